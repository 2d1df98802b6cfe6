using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Storage;
using Collab.Functions.Boards;
using Collab.Functions.Tests.Infrastructure;
using Collab.Protocols.WebPubSub;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Boards;

/// <summary>
/// <c>GET /api/boards</c> (each user's board list) and <c>DELETE /api/boards/{id}</c> through the local functions
/// host and the real worker, with a live client on the Web PubSub emulator and the blobs checked in Azurite.
/// </summary>
public sealed class BoardLifecycleTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    // A whole 1×1 PNG: backgrounds are checked structurally, not by their first bytes.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==");

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task List_ShowsTheOwnersAndMembersBoards_WithTheirRoles_NewestFirst_AndDroppedMembersLoseTheBoard()
    {
        var (aliceName, bobName, carolName) = (BoardApi.NewUser("alice"), BoardApi.NewUser("bob"), BoardApi.NewUser("carol"));
        var (bobId, carolId) = (LocalStack.UserIdOf(bobName), LocalStack.UserIdOf(carolName));
        using var alice = await Stack.SignInAsync(aliceName);
        using var bob = await Stack.SignInAsync(bobName);
        using var carol = await Stack.SignInAsync(carolName);
        using var visitor = await Stack.SignInAsync(BoardApi.NewUser("visitor"));
        var plan = BoardApi.NewBoardId();
        var wall = BoardApi.NewBoardId();
        await PutAsync(alice, plan, new { title = "Plan", visibility = "private", members = new object[] { bobId, new { userId = carolId, role = "viewer" } } }, HttpStatusCode.Created);
        await PutAsync(alice, wall, new { title = "Wall", visibility = "public", members = new[] { new { userId = bobId, role = "viewer" } } }, HttpStatusCode.Created);
        await BoardApi.GetAsync(visitor, wall);

        Assert.Equal([(wall, "Wall", "owner", "public"), (plan, "Plan", "owner", "private")], await ListAsync(alice));
        Assert.Equal([(wall, "Wall", "viewer", "public"), (plan, "Plan", "editor", "private")], await ListAsync(bob));
        Assert.Equal([(plan, "Plan", "viewer", "private")], await ListAsync(carol));
        // A public board lists only the people it names, not everyone who opened it.
        Assert.Empty(await ListAsync(visitor));

        await PutAsync(alice, plan, new { title = "Plan v2", visibility = "private", members = new[] { new { userId = bobId, role = "viewer" } } }, HttpStatusCode.OK);

        Assert.Equal([(wall, "Wall", "viewer", "public"), (plan, "Plan v2", "viewer", "private")], await ListAsync(bob));
        Assert.Empty(await ListAsync(carol));
        Assert.Equal([(wall, "Wall", "owner", "public"), (plan, "Plan v2", "owner", "private")], await ListAsync(alice));
        using var anonymous = Stack.Anonymous();
        using var signedOut = await anonymous.GetAsync("api/boards");
        await BoardApi.ProblemAsync(signedOut, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ConcurrentCreations_ByOneUser_AllAppearInTheOwnersAndTheMembersLists()
    {
        var bobName = BoardApi.NewUser("bob");
        using var alice = await Stack.SignInAsync(BoardApi.NewUser("alice"));
        using var bob = await Stack.SignInAsync(bobName);

        var created = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => BoardApi.CreateAsync(alice, "private", LocalStack.UserIdOf(bobName))));

        Assert.Equal(created.Order(StringComparer.Ordinal), (await ListAsync(alice)).Select(b => b.BoardId).Order(StringComparer.Ordinal));
        Assert.Equal(created.Order(StringComparer.Ordinal), (await ListAsync(bob)).Select(b => b.BoardId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delete_ByTheOwner_ClosesTheLiveConnection_DeletesEveryBlob_AndTheListEntries_AndIsIdempotent()
    {
        var (aliceName, bobName) = (BoardApi.NewUser("alice"), BoardApi.NewUser("bob"));
        using var alice = await Stack.SignInAsync(aliceName);
        using var bob = await Stack.SignInAsync(bobName);
        using var mallory = await Stack.SignInAsync(BoardApi.NewUser("mallory"));
        var boardId = await BoardApi.CreateAsync(alice, "private", LocalStack.UserIdOf(bobName));
        await using var connection = await ConnectAsync(bob, boardId);
        var live = connection.Client;
        await live.SendAsync("""{"type":"event","event":"addShape","dataType":"json","ackId":1,"data":{"opId":"o1","shape":{"id":"s1","kind":"rect","color":"#1e90ff","width":2,"x":1,"y":1,"w":30,"h":40}}}""");
        Assert.True((await live.ReceiveAsync("ack")).GetProperty("success").GetBoolean());
        using var background = await alice.PutAsync($"api/boards/{boardId}/background", new ByteArrayContent(Png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } });
        using var snapshot = await alice.PostAsync($"api/boards/{boardId}/snapshots?seq=2", null);
        await BoardApi.JsonAsync(background, HttpStatusCode.OK);
        await BoardApi.JsonAsync(snapshot, HttpStatusCode.Created);
        Assert.Equal(["background", "log/", "meta.json", "people.json", "snapshots/"], await BlobKindsAsync(boardId));

        using var byMember = await bob.DeleteAsync($"api/boards/{boardId}");
        using var byStranger = await mallory.DeleteAsync($"api/boards/{boardId}");
        using var badId = await alice.DeleteAsync("api/boards/not%20an%20id");
        await BoardApi.ProblemAsync(byMember, HttpStatusCode.Forbidden);
        await BoardApi.ProblemAsync(byStranger, HttpStatusCode.Forbidden);
        await BoardApi.ProblemAsync(badId, HttpStatusCode.BadRequest);
        Assert.Equal(5, (await BlobKindsAsync(boardId)).Count);

        using var deleted = await alice.DeleteAsync($"api/boards/{boardId}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.NotNull(await live.ReceiveCloseAsync());
        Assert.Equal(BoardLifecycle.DeletedReason, live.Socket.CloseStatusDescription);
        using var read = await alice.GetAsync($"api/boards/{boardId}");
        Assert.Equal("urn:collab:problem:board-not-found", (await BoardApi.ProblemAsync(read, HttpStatusCode.NotFound)).GetProperty("type").GetString());
        Assert.Empty(await BlobKindsAsync(boardId));
        Assert.DoesNotContain(await ListAsync(alice), b => b.BoardId == boardId);
        Assert.DoesNotContain(await ListAsync(bob), b => b.BoardId == boardId);
        using var again = await alice.DeleteAsync($"api/boards/{boardId}");
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);

        // The id is free again, and a board created under it starts empty: nothing of the old one is loaded, from
        // storage or from the worker's memory.
        await PutAsync(bob, boardId, new { title = "Fresh" }, HttpStatusCode.Created);
        var fresh = await BoardApi.GetAsync(bob, boardId);
        Assert.Equal(0, fresh.GetProperty("state").GetProperty("seq").GetInt64());
        Assert.Empty(BoardApi.ShapeIds(fresh));
    }

    [Fact]
    public async Task Delete_ClosesAConnectionThatJoinsTheBoardWhileTheMetadataGoes()
    {
        // A connect handler that read the metadata just before it was deleted admits its client afterwards; a
        // connection added to the board's group right after the metadata is gone stands in for that client.
        var aliceName = BoardApi.NewUser("alice");
        using var alice = await Stack.SignInAsync(aliceName);
        var boardId = await BoardApi.CreateAsync(alice);
        var elsewhere = await BoardApi.CreateAsync(alice);
        await using var late = await ConnectAsync(alice, elsewhere);
        var store = Stack.Services.GetRequiredService<BoardStore>();

        var deleting = alice.DeleteAsync($"api/boards/{boardId}");
        while (await store.GetMetadataAsync(boardId, CancellationToken.None) is not null)
        {
            Assert.False(deleting.IsCompleted, "the delete ended with the metadata still there");
        }

        // Well after the close that follows the metadata's deletion, well within the second the delete keeps closing.
        await Task.Delay(300);
        using var join = await AddToGroupAsync(late.ConnectionId, "board." + boardId);
        Assert.Equal(HttpStatusCode.OK, join.StatusCode);
        using var deleted = await deleting;

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.NotNull(await late.Client.ReceiveCloseAsync());
        Assert.Equal(BoardLifecycle.DeletedReason, late.Client.Socket.CloseStatusDescription);
    }

    private static async Task PutAsync(HttpClient user, string boardId, object body, HttpStatusCode expected)
    {
        using var response = await user.PutAsJsonAsync($"api/boards/{boardId}", body);
        await BoardApi.JsonAsync(response, expected);
    }

    private static async Task<List<(string BoardId, string? Title, string? Role, string? Visibility)>> ListAsync(HttpClient user)
    {
        using var response = await user.GetAsync("api/boards");
        var list = await BoardApi.JsonAsync(response, HttpStatusCode.OK);
        Assert.True(response.Headers.CacheControl?.NoStore, "a user's list must not be stored by caches");
        return list.EnumerateArray()
            .Select(b => (b.GetProperty("boardId").GetString()!, b.GetProperty("title").GetString(), b.GetProperty("role").GetString(), b.GetProperty("visibility").GetString()))
            .ToList();
    }

    private static async Task<LiveClient> ConnectAsync(HttpClient user, string boardId)
    {
        using var negotiate = await user.PostAsync($"api/boards/{boardId}/negotiate", null);
        var url = (await BoardApi.JsonAsync(negotiate, HttpStatusCode.OK)).GetProperty("url").GetString()!;
        var client = await WebSocketTestClient.ConnectAsync(new Uri(url));
        var connected = await client.ReceiveAsync("system");
        Assert.Equal("connected", connected.GetProperty("event").GetString());
        return new LiveClient(client, connected.GetProperty("connectionId").GetString()!);
    }

    /// <summary>Adds a connection to a group through the emulator's REST API, as the service would on a connect answer.</summary>
    private async Task<HttpResponseMessage> AddToGroupAsync(string connectionId, string group)
    {
        var uri = new Uri(fixture.Emulators.WebPubSubEndpoint, $"api/hubs/{Stack.Settings["WebPubSub:Hub"]}/groups/{group}/connections/{connectionId}?api-version=2024-12-01");
        using var request = new HttpRequestMessage(HttpMethod.Put, uri);
        var key = System.Text.Encoding.UTF8.GetBytes(fixture.Emulators.WebPubSubOptions.AccessKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RestAccessToken.Create(uri, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), key));
        using var http = new HttpClient();
        return await http.SendAsync(request);
    }

    /// <summary>The board's blobs by kind: a folder (<c>log/</c>, <c>snapshots/</c>) or a blob's own name.</summary>
    private async Task<List<string>> BlobKindsAsync(string boardId)
    {
        var container = Stack.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BoardStore.Container);
        var prefix = $"boards/{boardId}/";
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }))
        {
            var rest = blob.Name[prefix.Length..];
            kinds.Add(rest.Contains('/', StringComparison.Ordinal) ? rest[..(rest.IndexOf('/', StringComparison.Ordinal) + 1)] : rest);
        }

        return [.. kinds];
    }

    /// <summary>A live client and its connection id.</summary>
    private sealed record LiveClient(WebSocketTestClient Client, string ConnectionId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}
