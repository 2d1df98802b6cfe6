using System.Net;
using Azure.Storage.Blobs;
using Collab.Boards.Storage;
using Collab.Functions.Communication;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Communication;

/// <summary>
/// The communication controller's own ACS identity (shared/protocols/acs-identity.md §3): one for the whole app,
/// however many instances ask for it at once, recorded under a key no user id can take; and board metadata written
/// before the room replaced the group call still reads.
/// </summary>
public sealed class ServiceIdentityTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task ConcurrentFirstUsesOnTwoInstances_AgreeOnOneIdentity_AndTheLosersDeleteTheirs()
    {
        var settings = CollabApp.Settings(fixture.Emulators);
        await using var first = CollabApp.Start(settings);
        await using var second = CollabApp.Start(settings);
        var before = fixture.Emulators.AcsIdentities.Count;

        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? first : second).Services.GetRequiredService<AcsServiceIdentity>().GetChatTokenAsync(CancellationToken.None).AsTask()));
        var ids = await Task.WhenAll(first.Services.GetRequiredService<AcsServiceIdentity>().GetIdAsync(CancellationToken.None), second.Services.GetRequiredService<AcsServiceIdentity>().GetIdAsync(CancellationToken.None));

        var id = Assert.Single(ids.Distinct());
        Assert.All(tokens, t => Assert.Equal(id[2..], JwtPayload.Claims(t).GetProperty("skypeid").GetString()));
        Assert.All(tokens, t => Assert.Equal("chat", JwtPayload.Claims(t).GetProperty("acsScope").GetString()));
        Assert.Equal(before + 1, fixture.Emulators.AcsIdentities.Count);
        var stored = await first.Services.GetRequiredService<AcsIdentityMappingStore>().GetServiceAsync(CancellationToken.None);
        Assert.Equal((AcsIdentityMappingStore.ServiceKey, id), (stored!.Mapping.UserId, stored.Mapping.AcsUserId));

        // A user whose id is the reserved key would have a mapping of its own (acs/{sha256 of the user id}.json): not this one.
        Assert.Null(await first.Services.GetRequiredService<AcsIdentityMappingStore>().GetAsync(AcsIdentityMappingStore.ServiceKey, CancellationToken.None));

        // The token is cached: asking again costs no new token.
        Assert.Contains(await second.Services.GetRequiredService<AcsServiceIdentity>().GetChatTokenAsync(CancellationToken.None), tokens);
    }

    [Fact]
    public async Task MetadataWrittenWithACallId_StillReads_WithoutIt()
    {
        using var owner = await fixture.Stack.SignInAsync(BoardApi.NewUser("owner"));
        var boardId = BoardApi.NewBoardId();
        var ownerId = LocalStack.UserIdOf(BoardApi.NewUser("someone"));
        var container = fixture.Stack.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BoardStore.Container);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient(BoardStore.Metadata(boardId)).UploadAsync(BinaryData.FromString(
            $$"""{"boardId":"{{boardId}}","title":"Old","visibility":"public","ownerId":"{{ownerId}}","members":[],"callId":"6f1c2d3e-0000-4000-8000-000000000001","createdOn":"2026-01-01T00:00:00+00:00"}"""));

        var board = (await BoardApi.GetAsync(owner, boardId)).GetProperty("board");
        using var chat = await owner.PostAsync($"api/boards/{boardId}/chat", null);

        Assert.Equal("Old", board.GetProperty("title").GetString());
        Assert.False(board.TryGetProperty("callId", out _));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
    }
}
