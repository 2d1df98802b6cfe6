using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Storage;
using Collab.Functions.Acs;
using Collab.Functions.Communication;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Collab.Functions.Tests.Infrastructure.TokenRequests;

namespace Collab.Functions.Tests.Communication;

/// <summary>
/// The communication controller through the local host and the real worker, against the ACS emulator's chat
/// (shared/protocols/acs-chat-rooms.md §2–§6) and rooms (§8): <c>POST /api/boards/{id}/chat</c> and <c>/call</c>,
/// and the thread and room kept in step with the board's members and its deletion, also when ACS fails on purpose
/// (<c>EmulatorHost.AcsFaults</c>). What a user can do in the thread is checked as that user, over the chat REST API
/// with its own ACS token; the room's participants are read from the emulator's rooms store.
/// </summary>
public sealed class BoardCommunicationTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private const string ChatApi = "api-version=2025-03-15";

    private EmulatorHost Emulators => fixture.Emulators;

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task Chat_CreatesTheThreadOnce_UnderConcurrentCalls_AndAddsEachCaller()
    {
        var (owner, _) = await SignInAsync("owner");
        var boardId = await BoardApi.CreateAsync(owner);
        var callers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => SignInAsync("caller" + i)));
        var threadsBefore = Emulators.AcsChat.ThreadCount;

        var answers = await Task.WhenAll(callers.Select(c => JoinChatAsync(c.Client, boardId)));

        var threadId = Assert.Single(answers.Select(a => a.GetProperty("threadId").GetString()).Distinct());
        Assert.StartsWith("19:", threadId);
        Assert.All(answers, a => Assert.Equal(Emulators.AcsHttpsEndpoint.ToString(), a.GetProperty("endpoint").GetString()));
        Assert.Equal(threadsBefore + 1, Emulators.AcsChat.ThreadCount);
        Assert.Equal(threadId, (await BoardApi.GetAsync(owner, boardId)).GetProperty("board").GetProperty("chatThreadId").GetString());

        // Each caller reads the thread with its own token and finds everyone, under its board display name.
        var (_, firstToken) = await ChatTokenAsync(callers[0].Client);
        using var participants = await ChatAsync(HttpMethod.Get, $"chat/threads/{Uri.EscapeDataString(threadId!)}/participants?{ChatApi}", firstToken);
        var listed = (await BoardApi.JsonAsync(participants, HttpStatusCode.OK)).GetProperty("value").EnumerateArray()
            .ToDictionary(p => p.GetProperty("communicationIdentifier").GetProperty("rawId").GetString()!, p => p.TryGetProperty("displayName", out var n) ? n.GetString() : null);
        foreach (var (client, name) in callers)
        {
            var (acsUserId, _) = await ChatTokenAsync(client);
            Assert.Equal(name, listed[acsUserId]);
        }
    }

    [Fact]
    public async Task Chat_RefusesAStrangerOfAPrivateBoard_403_AndAnUnknownBoard_404()
    {
        var (owner, _) = await SignInAsync("owner");
        var boardId = await BoardApi.CreateAsync(owner, "private");
        var (stranger, _) = await SignInAsync("stranger");

        using var forbidden = await stranger.PostAsync($"api/boards/{boardId}/chat", null);
        using var unknown = await stranger.PostAsync($"api/boards/{BoardApi.NewBoardId()}/chat", null);
        using var call = await stranger.PostAsync($"api/boards/{boardId}/call", null);

        await BoardApi.ProblemAsync(forbidden, HttpStatusCode.Forbidden);
        await BoardApi.ProblemAsync(unknown, HttpStatusCode.NotFound);
        await BoardApi.ProblemAsync(call, HttpStatusCode.Forbidden);
        Assert.False((await BoardApi.GetAsync(owner, boardId)).GetProperty("board").TryGetProperty("chatThreadId", out _));
    }

    [Fact]
    public async Task Call_CreatesOneRoom_AndGivesEachBoardRoleItsRoomRole()
    {
        var (owner, _) = await SignInAsync("owner");
        var (editor, editorName) = await SignInAsync("editor");
        var (viewer, viewerName) = await SignInAsync("viewer");
        var boardId = await CreatePrivateAsync(owner, (editorName, "editor"), (viewerName, "viewer"));

        var answers = await Task.WhenAll(new[] { owner, editor, viewer }.Select(c => JoinCallAsync(c, boardId)));

        var roomId = Assert.Single(answers.Select(a => a.GetProperty("roomId").GetString()).Distinct())!;
        Assert.Equal(["Presenter", "Attendee", "Consumer"], answers.Select(a => a.GetProperty("role").GetString()));
        var room = Emulators.AcsRooms.Find(roomId)!;
        Assert.Equal(room.ValidUntil, answers[0].GetProperty("validUntil").GetDateTimeOffset());
        Assert.InRange(room.ValidUntil - DateTimeOffset.UtcNow, TimeSpan.FromDays(29), TimeSpan.FromDays(30));
        var participants = Emulators.AcsRooms.Participants(roomId)!;
        Assert.Equal("Presenter", participants[(await ChatTokenAsync(owner)).AcsUserId]);
        Assert.Equal("Attendee", participants[(await ChatTokenAsync(editor)).AcsUserId]);
        Assert.Equal("Consumer", participants[(await ChatTokenAsync(viewer)).AcsUserId]);
        Assert.Equal(roomId, (await BoardApi.GetAsync(owner, boardId)).GetProperty("board").GetProperty("roomId").GetString());
    }

    [Fact]
    public async Task Call_RenewsTheRoom_OnceLessThanHalfItsWindowIsLeft()
    {
        var (owner, _) = await SignInAsync("owner");
        var boardId = await BoardApi.CreateAsync(owner);
        var roomId = (await JoinCallAsync(owner, boardId)).GetProperty("roomId").GetString()!;

        // As if 29 days had passed: the board records a window that ends in a day (the room itself is not touched).
        await RecordRoomValidUntilAsync(boardId, DateTimeOffset.UtcNow.AddDays(1));
        var before = Emulators.AcsRooms.Find(roomId)!.ValidUntil;

        var renewed = await JoinCallAsync(owner, boardId);

        Assert.Equal(roomId, renewed.GetProperty("roomId").GetString());
        var validUntil = renewed.GetProperty("validUntil").GetDateTimeOffset();
        Assert.True(validUntil > before, $"{validUntil:o} is not after {before:o}");
        Assert.Equal(validUntil, Emulators.AcsRooms.Find(roomId)!.ValidUntil);
        Assert.Equal(validUntil, (await BoardApi.GetAsync(owner, boardId)).GetProperty("board").GetProperty("roomValidUntil").GetDateTimeOffset());
    }

    [Fact]
    public async Task Call_RenewsARoomNearlyAsOldAsTheServicesLimit_ByMovingBothEndsOfItsWindow()
    {
        var (owner, _) = await SignInAsync("owner");
        var boardId = await BoardApi.CreateAsync(owner);
        var roomId = (await JoinCallAsync(owner, boardId)).GetProperty("roomId").GetString()!;

        // As if the room had been renewed for 170 days: its window starts 170 days ago and ends in a day. Moving only
        // its end by the 30-day validity would make the window 200 days, which the service refuses (§8: at most 180).
        var now = DateTimeOffset.UtcNow;
        await Stack.Services.GetRequiredService<AcsRoomsClient>().UpdateWindowAsync(roomId, now.AddDays(-170), now.AddDays(1), CancellationToken.None);
        await RecordRoomValidUntilAsync(boardId, now.AddDays(1));

        var renewed = await JoinCallAsync(owner, boardId);

        var room = Emulators.AcsRooms.Find(roomId)!;
        Assert.Equal(roomId, renewed.GetProperty("roomId").GetString());
        Assert.InRange(room.ValidFrom, now.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.InRange(room.ValidUntil - room.ValidFrom, TimeSpan.FromDays(29), TimeSpan.FromDays(30));
        Assert.Equal(room.ValidUntil, renewed.GetProperty("validUntil").GetDateTimeOffset());
    }

    [Fact]
    public async Task ARemovalFromAThreadAndRoomGoneFromAcs_IsDone_AndTheNextJoinsGetNewOnes()
    {
        var (owner, _) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var boardId = await CreatePrivateAsync(owner, (bobName, "editor"));
        var threadId = (await JoinChatAsync(bob, boardId)).GetProperty("threadId").GetString()!;
        var roomId = (await JoinCallAsync(bob, boardId)).GetProperty("roomId").GetString()!;

        // Both are deleted outside the app (§4 deleteThread as the controller, §8 deleteRoom).
        var controllerToken = await Stack.Services.GetRequiredService<AcsServiceIdentity>().GetChatTokenAsync(CancellationToken.None);
        using (var gone = await ChatAsync(HttpMethod.Delete, $"chat/threads/{Uri.EscapeDataString(threadId)}?{ChatApi}", controllerToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        }

        await Stack.Services.GetRequiredService<AcsRoomsClient>().DeleteRoomAsync(roomId, CancellationToken.None);

        // The thread's :remove answers 404: the removal is done, nothing stays pending.
        await PutMembersAsync(owner, boardId);
        Assert.Null(await Stack.Services.GetRequiredService<BoardStore>().GetPendingCommunicationAsync(boardId, CancellationToken.None));

        // The board forgets the lost thread and room and gets new ones rather than failing every join.
        var chat = await JoinChatAsync(owner, boardId);
        var call = await JoinCallAsync(owner, boardId);
        var newThreadId = chat.GetProperty("threadId").GetString()!;
        Assert.NotEqual(threadId, newThreadId);
        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(newThreadId, (await ChatTokenAsync(owner)).Token));
        Assert.NotEqual(roomId, call.GetProperty("roomId").GetString());
        Assert.NotNull(Emulators.AcsRooms.Find(call.GetProperty("roomId").GetString()!));
    }

    [Fact]
    public async Task TheControllersRefusedToken_IsReplaced_RatherThanFailingUntilItExpires()
    {
        var (owner, _) = await SignInAsync("owner");
        var (carol, _) = await SignInAsync("carol");
        var boardId = await BoardApi.CreateAsync(owner);
        await JoinChatAsync(owner, boardId);

        // Every token of the controller issued so far is revoked (acs-identity.md §3): the worker's cached one too.
        var controller = Stack.Services.GetRequiredService<AcsServiceIdentity>();
        await Stack.Services.GetRequiredService<AcsIdentityClient>().RevokeTokensAsync(await controller.GetIdAsync(CancellationToken.None), CancellationToken.None);

        var threadId = (await JoinChatAsync(carol, boardId)).GetProperty("threadId").GetString()!;

        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(threadId, (await ChatTokenAsync(carol)).Token));
    }

    [Fact]
    public async Task ADeleteThatFailedHalfWay_LeavesTheLiveBoardsThreadAndRoom()
    {
        var (owner, _) = await SignInAsync("owner");
        var (carol, _) = await SignInAsync("carol");
        var boardId = await BoardApi.CreateAsync(owner);
        var threadId = (await JoinChatAsync(owner, boardId)).GetProperty("threadId").GetString()!;
        var roomId = (await JoinCallAsync(owner, boardId)).GetProperty("roomId").GetString()!;
        var store = Stack.Services.GetRequiredService<BoardStore>();

        // What DELETE /api/boards/{id} records first, before a later step of it fails and leaves the board in place.
        var board = (await store.GetMetadataAsync(boardId, CancellationToken.None))!;
        await Stack.Services.GetRequiredService<CommunicationSync>().OnBoardDeletingAsync(board, CancellationToken.None);

        await BoardApi.RunTimerAsync(Stack, fixture.Logs, "CommunicationSync");

        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(threadId, (await ChatTokenAsync(owner)).Token));
        Assert.NotNull(Emulators.AcsRooms.Find(roomId));
        Assert.Null(await store.GetPendingCommunicationAsync(boardId, CancellationToken.None));
        Assert.Equal(threadId, (await JoinChatAsync(carol, boardId)).GetProperty("threadId").GetString());
    }

    [Fact]
    public async Task ABoardCreatedAgainWhileItsDeleteIsPending_KeepsItsNewThread_AndTheOldOneIsDeleted()
    {
        var (owner, _) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var boardId = await CreatePrivateAsync(owner);
        var oldThreadId = (await JoinChatAsync(owner, boardId)).GetProperty("threadId").GetString()!;
        var (_, ownerToken) = await ChatTokenAsync(owner);

        // The old thread's deletion fails (every attempt), so it stays pending while the board is created again.
        await DeleteWhileThreadDeletionsFailAsync(owner, boardId);

        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(oldThreadId, ownerToken));
        using (var created = await owner.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Again", visibility = "private", members = new[] { new { userId = LocalStack.UserIdOf(bobName), role = "editor" } } }))
        {
            await BoardApi.JsonAsync(created, HttpStatusCode.Created);
        }

        var newThreadId = (await JoinChatAsync(bob, boardId)).GetProperty("threadId").GetString()!;
        await JoinChatAsync(owner, boardId);
        Assert.NotEqual(oldThreadId, newThreadId);

        // Removing Bob settles the new board; the pending deletion reaches only the old thread.
        await PutMembersAsync(owner, boardId);
        await BoardApi.RunTimerAsync(Stack, fixture.Logs, "CommunicationSync");

        Assert.Equal(HttpStatusCode.NotFound, await ReadMessagesStatusAsync(oldThreadId, ownerToken));
        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(newThreadId, ownerToken));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadMessagesStatusAsync(newThreadId, (await ChatTokenAsync(bob)).Token));
    }

    [Fact]
    public async Task AChangeWhoseRequestDiedAfterTheMetadataWrite_IsStillSettledByTheTimer()
    {
        var (owner, _) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var boardId = await CreatePrivateAsync(owner, (bobName, "editor"));
        var threadId = (await JoinChatAsync(bob, boardId)).GetProperty("threadId").GetString()!;
        var roomId = (await JoinCallAsync(bob, boardId)).GetProperty("roomId").GetString()!;
        var (bobAcs, bobToken) = await ChatTokenAsync(bob);

        // What PUT /api/boards/{id} does up to its metadata write, before a process that dies: the marker, then the write.
        var store = Stack.Services.GetRequiredService<BoardStore>();
        await Stack.Services.GetRequiredService<CommunicationSync>().OnBoardChangingAsync(boardId, CancellationToken.None);
        var board = (await store.GetMetadataAsync(boardId, CancellationToken.None))!;
        Assert.NotNull(await store.CreateOrUpdateAsync(board with { Members = [] }, board.OwnerId, CancellationToken.None));

        await BoardApi.RunTimerAsync(Stack, fixture.Logs, "CommunicationSync");

        Assert.Equal(HttpStatusCode.Forbidden, await ReadMessagesStatusAsync(threadId, bobToken));
        Assert.False(Emulators.AcsRooms.Participants(roomId)!.ContainsKey(bobAcs));
    }

    [Fact]
    public async Task RemovingAMember_TakesItOutOfTheThreadAndTheRoom_AndAChangedRoleChangesTheRoomRole()
    {
        var (owner, _) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var (carol, carolName) = await SignInAsync("carol");
        var boardId = await CreatePrivateAsync(owner, (bobName, "editor"), (carolName, "editor"));
        var threadId = (await JoinChatAsync(bob, boardId)).GetProperty("threadId").GetString()!;
        await JoinChatAsync(carol, boardId);
        var roomId = (await JoinCallAsync(bob, boardId)).GetProperty("roomId").GetString()!;
        await JoinCallAsync(carol, boardId);
        var (bobAcs, bobToken) = await ChatTokenAsync(bob);
        var (carolAcs, _) = await ChatTokenAsync(carol);
        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(threadId, bobToken));

        await PutMembersAsync(owner, boardId, (carolName, "viewer"));

        // §6: a removed participant gets 403 on the thread.
        Assert.Equal(HttpStatusCode.Forbidden, await ReadMessagesStatusAsync(threadId, bobToken));
        var participants = Emulators.AcsRooms.Participants(roomId)!;
        Assert.False(participants.ContainsKey(bobAcs));
        Assert.Equal("Consumer", participants[carolAcs]);
        using var again = await bob.PostAsync($"api/boards/{boardId}/chat", null);
        await BoardApi.ProblemAsync(again, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task WhenTheRemovalFails_ItStaysPending_AndTheTimersRetryTakesTheMemberOut()
    {
        var (owner, _) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var boardId = await CreatePrivateAsync(owner, (bobName, "editor"));
        var threadId = (await JoinChatAsync(bob, boardId)).GetProperty("threadId").GetString()!;
        var roomId = (await JoinCallAsync(bob, boardId)).GetProperty("roomId").GetString()!;
        var (bobAcs, bobToken) = await ChatTokenAsync(bob);

        // Every attempt of the first removal fails (the client retries twice): the change is stored all the same.
        Emulators.AcsFaults.FailNext("POST", "/chat/threads/", 3, 503);
        try
        {
            await PutMembersAsync(owner, boardId);
        }
        finally
        {
            Emulators.AcsFaults.Clear();
        }

        // The thread and the room are independent: the room removal did not wait for the failing thread's.
        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(threadId, bobToken));
        Assert.False(Emulators.AcsRooms.Participants(roomId)!.ContainsKey(bobAcs));
        using (var refused = await bob.PostAsync($"api/boards/{boardId}/chat", null))
        {
            await BoardApi.ProblemAsync(refused, HttpStatusCode.Forbidden);
        }

        await BoardApi.RunTimerAsync(Stack, fixture.Logs, "CommunicationSync");

        Assert.Equal(HttpStatusCode.Forbidden, await ReadMessagesStatusAsync(threadId, bobToken));
        Assert.False(Emulators.AcsRooms.Participants(roomId)!.ContainsKey(bobAcs));
    }

    [Fact]
    public async Task DeletingTheBoard_DeletesItsThreadAndRoom_AlsoAfterAFailure()
    {
        var (owner, _) = await SignInAsync("owner");
        var boardId = await BoardApi.CreateAsync(owner);
        var threadId = (await JoinChatAsync(owner, boardId)).GetProperty("threadId").GetString()!;
        var roomId = (await JoinCallAsync(owner, boardId)).GetProperty("roomId").GetString()!;
        var (_, ownerToken) = await ChatTokenAsync(owner);

        await DeleteWhileThreadDeletionsFailAsync(owner, boardId);

        Assert.Equal(HttpStatusCode.OK, await ReadMessagesStatusAsync(threadId, ownerToken));
        await BoardApi.RunTimerAsync(Stack, fixture.Logs, "CommunicationSync");

        Assert.Equal(HttpStatusCode.NotFound, await ReadMessagesStatusAsync(threadId, ownerToken));
        Assert.Null(Emulators.AcsRooms.Find(roomId));
    }

    [Fact]
    public async Task AChatMessageSentWithTheUsersToken_ReachesTheBoardsClientsThroughEventGrid()
    {
        var (owner, ownerName) = await SignInAsync("owner");
        var boardId = await BoardApi.CreateAsync(owner);
        var threadId = (await JoinChatAsync(owner, boardId)).GetProperty("threadId").GetString()!;
        var (ownerAcs, ownerToken) = await ChatTokenAsync(owner);
        await using var client = await BoardApi.ConnectAsync(owner, boardId);
        Emulators.AcsOptions.Events.Subscriptions.Add(new Emulators.AcsEvents.AcsEventSubscriptionOptions
        {
            Name = "collab-" + boardId,
            Endpoint = new Uri(Stack.BaseAddress, "api/acs/events").ToString(),
            IncludedEventTypes = ["Microsoft.Communication.ChatMessageReceivedInThread"],
            Headers = { ["X-Collab-Events-Secret"] = CollabApp.EventsSecret },
        });

        // The sender picks its own senderDisplayName (§3); the relay names it as the controller did.
        using var sent = await ChatAsync(HttpMethod.Post, $"chat/threads/{Uri.EscapeDataString(threadId)}/messages?{ChatApi}", ownerToken, new { content = "hello through the thread", senderDisplayName = "Someone Else Entirely" });

        var messageId = (await BoardApi.JsonAsync(sent, HttpStatusCode.Created)).GetProperty("id").GetString();
        var relayed = await NextChatAsync(client);
        Assert.Equal(messageId, relayed.GetProperty("messageId").GetString());
        Assert.Equal(threadId, relayed.GetProperty("threadId").GetString());
        Assert.Equal("hello through the thread", relayed.GetProperty("text").GetString());
        Assert.Equal(ownerAcs, relayed.GetProperty("senderAcsId").GetString());
        Assert.Equal(ownerName, relayed.GetProperty("senderName").GetString());
    }

    /// <summary>
    /// A user's token carries chat.join.limited at most (acs-identity.md §5), but a participant holding a full chat
    /// token from elsewhere (or from before) could add anyone: the next settle compares the thread's real participant
    /// list (§3 listParticipants) with whom the board lets post and takes the outsider out.
    /// </summary>
    [Fact]
    public async Task AnOutsiderAddedToTheThreadByOtherMeans_IsTakenOutAtTheNextSettle()
    {
        var (owner, _) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var (carol, carolName) = await SignInAsync("carol");
        var boardId = await CreatePrivateAsync(owner, (bobName, "editor"), (carolName, "editor"));
        var threadId = (await JoinChatAsync(bob, boardId)).GetProperty("threadId").GetString()!;
        await JoinChatAsync(carol, boardId);
        var (bobAcs, bobToken) = await ChatTokenAsync(bob);
        var (carolAcs, _) = await ChatTokenAsync(carol);
        var acs = Stack.Services.GetRequiredService<AcsIdentityClient>();
        var fullChat = await acs.IssueTokenAsync(bobAcs, ["chat"], 60, CancellationToken.None);
        var outsider = (await acs.CreateIdentityAsync(null, 60, CancellationToken.None)).Id;
        using (var added = await ChatAsync(HttpMethod.Post, $"chat/threads/{Uri.EscapeDataString(threadId)}/participants/:add?{ChatApi}", fullChat.Token, new { participants = new[] { new { communicationIdentifier = new { rawId = outsider, communicationUser = new { id = outsider } } } } }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        Assert.Contains(outsider, await ParticipantsAsync(threadId, bobToken));

        await PutMembersAsync(owner, boardId, (bobName, "editor"));

        var left = await ParticipantsAsync(threadId, bobToken);
        Assert.Contains(bobAcs, left);
        Assert.DoesNotContain(carolAcs, left);
        Assert.DoesNotContain(outsider, left);
    }

    /// <summary>
    /// Any participant can post, and ACS lets only a message's sender delete it (§5): a viewer is kept out of the thread,
    /// reads it through the controller, and a member made a viewer is taken out.
    /// </summary>
    [Fact]
    public async Task AViewer_IsNotInTheThread_ReadsItThroughTheController_AndAnEditorMadeViewerIsTakenOut()
    {
        var (owner, ownerName) = await SignInAsync("owner");
        var (bob, bobName) = await SignInAsync("bob");
        var (carol, carolName) = await SignInAsync("carol");
        var boardId = await CreatePrivateAsync(owner, (bobName, "editor"), (carolName, "viewer"));
        var ownerChat = await JoinChatAsync(owner, boardId);
        var threadId = ownerChat.GetProperty("threadId").GetString()!;
        Assert.True(ownerChat.GetProperty("canPost").GetBoolean());
        Assert.True((await JoinChatAsync(bob, boardId)).GetProperty("canPost").GetBoolean());
        var carolChat = await JoinChatAsync(carol, boardId);
        var (ownerAcs, ownerToken) = await ChatTokenAsync(owner);
        var (bobAcs, bobToken) = await ChatTokenAsync(bob);
        var (carolAcs, carolToken) = await ChatTokenAsync(carol);
        using (var sent = await ChatAsync(HttpMethod.Post, $"chat/threads/{Uri.EscapeDataString(threadId)}/messages?{ChatApi}", ownerToken, new { content = "for everyone", senderDisplayName = "not the owner" }))
        {
            Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        }

        Assert.Equal(threadId, carolChat.GetProperty("threadId").GetString());
        Assert.False(carolChat.GetProperty("canPost").GetBoolean());
        Assert.DoesNotContain(carolAcs, await ParticipantsAsync(threadId, ownerToken));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadMessagesStatusAsync(threadId, carolToken));
        using (var posted = await ChatAsync(HttpMethod.Post, $"chat/threads/{Uri.EscapeDataString(threadId)}/messages?{ChatApi}", carolToken, new { content = "a viewer's post" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        }

        using var read = await carol.GetAsync($"api/boards/{boardId}/chat/messages");
        var message = Assert.Single((await BoardApi.JsonAsync(read, HttpStatusCode.OK)).GetProperty("messages").EnumerateArray());
        Assert.Equal("for everyone", message.GetProperty("text").GetString());
        Assert.Equal(ownerAcs, message.GetProperty("senderAcsId").GetString());
        Assert.Equal(ownerName, message.GetProperty("senderName").GetString());
        using (var stranger = await (await SignInAsync("stranger")).Client.GetAsync($"api/boards/{boardId}/chat/messages"))
        {
            await BoardApi.ProblemAsync(stranger, HttpStatusCode.Forbidden);
        }

        await PutMembersAsync(owner, boardId, (bobName, "viewer"), (carolName, "viewer"));

        Assert.DoesNotContain(bobAcs, await ParticipantsAsync(threadId, ownerToken));
        Assert.Equal(HttpStatusCode.Forbidden, await ReadMessagesStatusAsync(threadId, bobToken));
    }

    // Rewrites the window end the board records for its room (the room itself is not touched).
    private async Task RecordRoomValidUntilAsync(string boardId, DateTimeOffset validUntil)
    {
        var (metadata, etag) = (await Stack.Services.GetRequiredService<BoardStore>().GetMetadataVersionAsync(boardId, CancellationToken.None))!.Value;
        var container = Stack.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BoardStore.Container);
        await container.GetBlobClient(BoardStore.Metadata(boardId)).UploadAsync(
            BinaryData.FromObjectAsJson(metadata with { RoomValidUntil = validUntil }, Collab.Boards.Model.BoardJson.Options),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } });
    }

    // Deletes the board while every attempt to delete its thread fails (the retries included), so that deletion stays pending.
    private async Task DeleteWhileThreadDeletionsFailAsync(HttpClient owner, string boardId)
    {
        Emulators.AcsFaults.FailNext("DELETE", "/chat/threads/", 3, 503);
        try
        {
            using var deleted = await owner.DeleteAsync($"api/boards/{boardId}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        finally
        {
            Emulators.AcsFaults.Clear();
        }
    }

    private async Task<(HttpClient Client, string Name)> SignInAsync(string role)
    {
        var name = BoardApi.NewUser(role);
        return (await Stack.SignInAsync(name), name);
    }

    private static async Task<string> CreatePrivateAsync(HttpClient owner, params (string Name, string Role)[] members)
    {
        var boardId = BoardApi.NewBoardId();
        using var response = await owner.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Board " + boardId, visibility = "private", members = members.Select(m => new { userId = LocalStack.UserIdOf(m.Name), role = m.Role }) });
        await BoardApi.JsonAsync(response, HttpStatusCode.Created);
        return boardId;
    }

    private static async Task PutMembersAsync(HttpClient owner, string boardId, params (string Name, string Role)[] members)
    {
        using var response = await owner.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Board " + boardId, visibility = "private", members = members.Select(m => new { userId = LocalStack.UserIdOf(m.Name), role = m.Role }) });
        await BoardApi.JsonAsync(response, HttpStatusCode.OK);
    }

    private static async Task<JsonElement> JoinChatAsync(HttpClient client, string boardId)
    {
        using var response = await client.PostAsync($"api/boards/{boardId}/chat", null);
        return await BoardApi.JsonAsync(response, HttpStatusCode.OK);
    }

    private static async Task<JsonElement> JoinCallAsync(HttpClient client, string boardId)
    {
        using var response = await client.PostAsync($"api/boards/{boardId}/call", null);
        return await BoardApi.JsonAsync(response, HttpStatusCode.OK);
    }

    private static async Task<(string AcsUserId, string Token)> ChatTokenAsync(HttpClient client)
    {
        var issued = await IssueAcsTokenAsync(client, """{"scopes":["chat.join.limited"]}""");
        return (issued.AcsUserId, issued.Token);
    }

    private async Task<HttpResponseMessage> ChatAsync(HttpMethod method, string pathAndQuery, string token, object? body = null)
    {
        using var http = new HttpClient { BaseAddress = Emulators.AcsEndpoint };
        using var request = new HttpRequestMessage(method, pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private async Task<List<string>> ParticipantsAsync(string threadId, string token)
    {
        using var response = await ChatAsync(HttpMethod.Get, $"chat/threads/{Uri.EscapeDataString(threadId)}/participants?{ChatApi}", token);
        return (await BoardApi.JsonAsync(response, HttpStatusCode.OK)).GetProperty("value").EnumerateArray()
            .Select(p => p.GetProperty("communicationIdentifier").GetProperty("rawId").GetString()!).ToList();
    }

    private async Task<HttpStatusCode> ReadMessagesStatusAsync(string threadId, string token)
    {
        using var response = await ChatAsync(HttpMethod.Get, $"chat/threads/{Uri.EscapeDataString(threadId)}/messages?{ChatApi}", token);
        return response.StatusCode;
    }

    private static async Task<JsonElement> NextChatAsync(WebSocketTestClient client)
    {
        while (true)
        {
            var message = await client.ReceiveAsync("message");
            if (message.GetProperty("data") is { ValueKind: JsonValueKind.Object } data && data.GetProperty("name").GetString() == "chat")
            {
                return data.GetProperty("data");
            }
        }
    }
}
