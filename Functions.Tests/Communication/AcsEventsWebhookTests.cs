using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Storage;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Functions.Tests.Communication;

/// <summary>
/// <c>OPTIONS|POST /api/acs/events</c> through the local host and the real worker: the handshakes of both schemas
/// (shared/protocols/acs-chat-rooms.md §11, vector §13.4), the secret in the <c>X-Collab-Events-Secret</c> header (a
/// static delivery attribute, §11 (c)), bodies Event Grid must not retry (400), and the relay of a board thread's
/// messages to a connected board client, once per event however often it is delivered, its sender named as the
/// controller named it. Events are the §13.2/§13.3 vectors with this test's ids.
/// </summary>
public sealed class AcsEventsWebhookTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private const string Topic = "/subscriptions/sub1/resourcegroups/rg1/providers/microsoft.communication/communicationservices/acs1";

    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task EventGridHandshake_AnswersTheValidationCode()
    {
        var code = Guid.NewGuid().ToString();
        var body = $$"""[{"id":"ev-val-1","topic":"{{Topic}}","subject":"","data":{"validationCode":"{{code}}","validationUrl":"https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/s/validate?id=x&t=y&apiVersion=2018-05-01-preview&token=AAAA"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2027-01-15T10:00:00.0000000Z","metadataVersion":"1","dataVersion":"1"}]""";

        using var response = await PostAsync(body, "SubscriptionValidation");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(code, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("validationResponse").GetString());
    }

    [Fact]
    public async Task CloudEventsHandshake_GrantsTheOrigin()
    {
        using var http = Stack.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Options, Url());
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Origin")));
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Rate")));
    }

    [Theory]
    [InlineData("wrong-secret-0123456789abcdef")]
    [InlineData("")]
    [InlineData(null)]
    public async Task AWrongOrMissingSecret_Is401_ForDeliveries(string? secret)
    {
        using var delivery = await PostAsync(ReceivedEvent("ev-" + Guid.NewGuid(), "19:x@thread.v2", "1", "hi"), "Notification", secret: secret);

        await BoardApi.ProblemAsync(delivery, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheSecretInTheQuery_IsNotEnough()
    {
        using var http = Stack.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/acs/events?secret={CollabApp.EventsSecret}") { Content = new StringContent(ReceivedEvent("ev-" + Guid.NewGuid(), "19:x@thread.v2", "1", "hi"), Encoding.UTF8, "application/json") };
        request.Headers.Add("aeg-event-type", "Notification");

        using var response = await http.SendAsync(request);

        await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ThePreviousSecret_IsAccepted_DuringARotation()
    {
        using var response = await PostAsync(ReceivedEvent("ev-" + Guid.NewGuid(), "19:x@thread.v2", "1", "hi"), "Notification", secret: CollabApp.PreviousEventsSecret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AHandshakeWithAWrongSecret_Is401_AndOneWithoutTheHeader_IsAnswered()
    {
        using var http = Stack.Anonymous();
        using var wrong = new HttpRequestMessage(HttpMethod.Options, Url());
        wrong.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
        wrong.Headers.Add(SecretHeader, "wrong-secret-0123456789abcdef");
        using var without = new HttpRequestMessage(HttpMethod.Options, Url());
        without.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var refused = await http.SendAsync(wrong);
        using var answered = await http.SendAsync(without);

        await BoardApi.ProblemAsync(refused, HttpStatusCode.Unauthorized);
        Assert.False(refused.Headers.Contains("WebHook-Allowed-Origin"));
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("eventgrid.azure.net", Assert.Single(answered.Headers.GetValues("WebHook-Allowed-Origin")));
    }

    [Fact]
    public async Task ASignedInUser_WithoutTheSecret_Is401()
    {
        // The dev sign-in sets the principal headers as Easy Auth would: a principal does not authenticate a delivery.
        using var user = await Stack.SignInAsync(BoardApi.NewUser("mallory"));
        using var request = new HttpRequestMessage(HttpMethod.Post, Url()) { Content = new StringContent(ReceivedEvent("ev-" + Guid.NewGuid(), "19:x@thread.v2", "1", "hi"), Encoding.UTF8, "application/json") };
        request.Headers.Add("aeg-event-type", "Notification");

        using var response = await user.SendAsync(request);

        await BoardApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{not json", "Notification")]
    [InlineData("""[{"id":"e1","data":{}}]""", "Notification")]
    [InlineData("""[{"id":"e1","topic":"t","subject":"s","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","dataVersion":"1","data":{}}]""", "SubscriptionValidation")]
    [InlineData("[]", "SomethingElse")]
    public async Task ABodyTheParsersRefuse_Is400ProblemJson(string body, string eventType)
    {
        using var response = await PostAsync(body, eventType);

        Assert.Equal("urn:collab:problem:invalid-request", (await BoardApi.ProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AThreadsMessage_ReachesTheBoardsClients_AndARedeliveryIsRelayedOnce()
    {
        using var owner = await Stack.SignInAsync(BoardApi.NewUser("owner"));
        var boardId = await BoardApi.CreateAsync(owner);
        var threadId = await RecordThreadWithAliceAsync(boardId);
        await using var client = await BoardApi.ConnectAsync(owner, boardId);
        var eventId = "ev-" + Guid.NewGuid();

        // Event Grid schema first, then the same event redelivered in both schemas (at-least-once, §11).
        using var first = await PostAsync(ReceivedEvent(eventId, threadId, "1768471500000", "hello"), "Notification");
        using var again = await PostAsync(ReceivedEvent(eventId, threadId, "1768471500000", "hello"), "Notification");
        using var asCloudEvent = await PostAsync(CloudEvent(eventId, threadId, "1768471500000", "hello"), "Notification", "application/cloudevents+json; charset=utf-8");
        using var next = await PostAsync(CloudEvent("ev-" + Guid.NewGuid(), threadId, "1768471500001", "second"), "Notification", "application/cloudevents+json; charset=utf-8");

        Assert.All(new[] { first, again, asCloudEvent, next }, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var relayed = await ChatMessagesUntilAsync(client, "1768471500001");
        Assert.Equal(["1768471500000", "1768471500001"], relayed.Select(m => m.GetProperty("messageId").GetString()));
        var message = relayed[0];
        Assert.Equal(threadId, message.GetProperty("threadId").GetString());
        Assert.Equal("hello", message.GetProperty("text").GetString());
        Assert.Equal("text", message.GetProperty("type").GetString());
        // §10: senderDisplayName is what the sending client chose ("Alice"); the relay names the sender as the controller did.
        Assert.Equal(AliceBoardName, message.GetProperty("senderName").GetString());
        Assert.Equal("8:acs:res1_alice", message.GetProperty("senderAcsId").GetString());
        Assert.Equal(DateTimeOffset.Parse("2027-01-15T10:05:00Z", System.Globalization.CultureInfo.InvariantCulture), message.GetProperty("createdOn").GetDateTimeOffset());
        Assert.False(message.TryGetProperty("deleted", out _));
    }

    [Fact]
    public async Task EditsAndDeletions_AreRelayed_AndOtherThreadsAreIgnored()
    {
        using var owner = await Stack.SignInAsync(BoardApi.NewUser("owner"));
        var boardId = await BoardApi.CreateAsync(owner);
        var threadId = await RecordThreadWithAliceAsync(boardId);
        await using var client = await BoardApi.ConnectAsync(owner, boardId);

        using var stranger = await PostAsync(ReceivedEvent("ev-" + Guid.NewGuid(), "19:not-ours@thread.v2", "5", "elsewhere"), "Notification");
        using var outsider = await PostAsync(ReceivedEvent("ev-" + Guid.NewGuid(), threadId, "6", "from someone the controller never added").Replace("8:acs:res1_alice", "8:acs:res1_mallory", StringComparison.Ordinal), "Notification");
        using var edited = await PostAsync(MessageEvent("Edited", "ev-" + Guid.NewGuid(), threadId, "7", """ "messageBody":"fixed","editTime":"2027-01-15T10:06:00.000+00:00", """), "Notification");
        using var deleted = await PostAsync(MessageEvent("Deleted", "ev-" + Guid.NewGuid(), threadId, "8", """ "deleteTime":"2027-01-15T10:07:00.000+00:00", """), "Notification");

        Assert.All(new[] { stranger, outsider, edited, deleted }, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var relayed = await ChatMessagesUntilAsync(client, "8");
        Assert.Equal(["7", "8"], relayed.Select(m => m.GetProperty("messageId").GetString()));
        Assert.Equal("fixed", relayed[0].GetProperty("text").GetString());
        Assert.Equal(DateTimeOffset.Parse("2027-01-15T10:06:00Z", System.Globalization.CultureInfo.InvariantCulture), relayed[0].GetProperty("editedOn").GetDateTimeOffset());
        Assert.True(relayed[1].GetProperty("deleted").GetBoolean());
    }

    private const string SecretHeader = "X-Collab-Events-Secret";

    private static string Url() => "api/acs/events";

    private async Task<HttpResponseMessage> PostAsync(string body, string eventType, string contentType = "application/json; charset=utf-8", string? secret = CollabApp.EventsSecret)
    {
        using var http = Stack.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, Url()) { Content = new StringContent(body, Encoding.UTF8) };
        if (secret is not null)
        {
            request.Headers.TryAddWithoutValidation(SecretHeader, secret);
        }

        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("aeg-event-type", eventType);
        request.Headers.Add("aeg-delivery-count", "0");
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>The §13.2 vector (Event Grid schema) with this test's ids.</summary>
    private static string ReceivedEvent(string eventId, string threadId, string messageId, string body) =>
        MessageEvent("Received", eventId, threadId, messageId, $$""" "messageBody":{{JsonSerializer.Serialize(body)}},"metadata":{"tag":"x"}, """);

    private static string MessageEvent(string kind, string eventId, string threadId, string messageId, string extra) =>
        $$$"""[{"id":"{{{eventId}}}","topic":"{{{Topic}}}","subject":"thread/{{{threadId}}}/sender/8:acs:res1_alice","data":{{{{extra}}}"messageId":"{{{messageId}}}","type":"Text","version":{{{messageId}}},"senderDisplayName":"Alice","senderCommunicationIdentifier":{"rawId":"8:acs:res1_alice","communicationUser":{"id":"8:acs:res1_alice"}},"composeTime":"2027-01-15T10:05:00.000+00:00","threadId":"{{{threadId}}}","transactionId":"tx-0001"},"eventType":"Microsoft.Communication.ChatMessage{{{kind}}}InThread","dataVersion":"1.0","metadataVersion":"1","eventTime":"2027-01-15T10:05:00.5000000Z"}]""";

    /// <summary>The §13.3 vector (CloudEvents 1.0) with this test's ids.</summary>
    private static string CloudEvent(string eventId, string threadId, string messageId, string body)
    {
        var gridEvent = JsonNode.Parse(ReceivedEvent(eventId, threadId, messageId, body))!.AsArray()[0]!;
        return new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = eventId,
            ["source"] = Topic,
            ["subject"] = gridEvent["subject"]!.GetValue<string>(),
            ["type"] = "Microsoft.Communication.ChatMessageReceivedInThread",
            ["time"] = "2027-01-15T10:05:00.5000000Z",
            ["datacontenttype"] = "application/json",
            ["data"] = gridEvent["data"]!.DeepClone(),
        }.ToJsonString();
    }

    private const string AliceBoardName = "Alice as the board knows her";

    /// <summary>A thread of the board, with 8:acs:res1_alice recorded as a participant the controller added under <see cref="AliceBoardName"/>.</summary>
    private async Task<string> RecordThreadWithAliceAsync(string boardId)
    {
        var threadId = $"19:{Guid.NewGuid():N}@thread.v2";
        var store = Stack.Services.GetRequiredService<BoardStore>();
        await store.RecordChatThreadAsync(threadId, boardId, CancellationToken.None);
        await store.RecordCommunicationParticipantAsync(boardId, "alice-" + Guid.NewGuid().ToString("N"), "8:acs:res1_alice", null, AliceBoardName, CancellationToken.None);
        return threadId;
    }

    /// <summary>Every <c>chat</c> message the board's server group sends the client, up to the one with <paramref name="lastMessageId"/>.</summary>
    private static async Task<List<JsonElement>> ChatMessagesUntilAsync(WebSocketTestClient client, string lastMessageId)
    {
        var chat = new List<JsonElement>();
        while (true)
        {
            var message = await client.ReceiveAsync("message");
            if (message.GetProperty("data") is { ValueKind: JsonValueKind.Object } data && data.GetProperty("name").GetString() == "chat")
            {
                Assert.StartsWith("board.", message.GetProperty("group").GetString());
                chat.Add(data.GetProperty("data"));
                if (data.GetProperty("data").GetProperty("messageId").GetString() == lastMessageId)
                {
                    return chat;
                }
            }
        }
    }
}
