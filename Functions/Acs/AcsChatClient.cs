using System.Text.Json.Nodes;
using Collab.Functions.Communication;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Acs;

/// <summary>
/// The chat data-plane calls the communication controller makes (shared/protocols/acs-chat-rooms.md §2–§6,
/// api-version <see cref="AcsOptions.ChatApiVersion"/>), each as the controller's own identity
/// (<see cref="AcsServiceIdentity"/>, a bearer chat token) through <see cref="AcsRestPipeline"/>.
/// </summary>
public sealed class AcsChatClient(AcsRestPipeline pipeline, AcsServiceIdentity identity, IOptions<AcsOptions> options)
{
    /// <summary>The most messages <see cref="ListMessagesAsync"/> reads (one page; ACS's page limit is 200).</summary>
    public const int MaxMessages = 100;

    /// <summary>The most pages <see cref="ListParticipantsAsync"/> reads.</summary>
    public const int MaxParticipantPages = 5;

    private const string Service = "chat";
    private const int ParticipantPageSize = 200;

    /// <summary>
    /// Creates a thread with <paramref name="topic"/>, the controller as its creator and only participant. The service
    /// executes a repeated <paramref name="repeatabilityRequestId"/> once and answers it with the same thread (§3).
    /// </summary>
    /// <returns>The thread id.</returns>
    public async Task<string> CreateThreadAsync(string topic, string repeatabilityRequestId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("createThread", HttpMethod.Post, "chat/threads", new JsonObject { ["topic"] = topic, ["participants"] = new JsonArray() }, cancellationToken, repeatabilityRequestId);
        return response.Json(Service).GetProperty("chatThread").GetProperty("id").GetString()!;
    }

    /// <summary>Adds (or updates) a participant with its display name; history is shared from the thread's start.</summary>
    /// <exception cref="AcsRequestException">The service refused the request, or listed the participant as invalid.</exception>
    public async Task AddParticipantAsync(string threadId, string acsUserId, string displayName, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["participants"] = new JsonArray(new JsonObject
            {
                ["communicationIdentifier"] = Identifier(acsUserId),
                ["displayName"] = displayName,
                ["shareHistoryTime"] = "1970-01-01T00:00:00Z",
            }),
        };
        using var response = await SendAsync(":add", HttpMethod.Post, $"chat/threads/{Uri.EscapeDataString(threadId)}/participants/:add", body, cancellationToken);
        if (response.Body?.RootElement.TryGetProperty("invalidParticipants", out var invalid) == true && invalid.GetArrayLength() > 0)
        {
            var first = invalid[0];
            throw new AcsRequestException(Service, int.TryParse(first.GetProperty("code").GetString(), out var code) ? code : 400, "InvalidParticipant", first.GetProperty("message").GetString() ?? "The participant was refused.");
        }
    }

    /// <summary>
    /// Removes a participant; removing someone who is not one (any more) succeeds too, and so does removing anyone from
    /// a thread that is gone (404): no one is in it.
    /// </summary>
    public async Task RemoveParticipantAsync(string threadId, string acsUserId, CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await SendAsync(":remove", HttpMethod.Post, $"chat/threads/{Uri.EscapeDataString(threadId)}/participants/:remove", Identifier(acsUserId), cancellationToken);
        }
        catch (AcsRequestException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>
    /// The raw ids of the thread's participants, as the service lists them (§3 <c>listParticipants</c>, 200 a page),
    /// following <c>nextLink</c> (rule 4) for at most <see cref="MaxParticipantPages"/> pages: ACS caps a thread at 250
    /// participants (§5), so more pages than that mean a misbehaving service. A <c>nextLink</c> is followed on this
    /// resource's endpoint only (its path and query), so the controller's token never goes to another host.
    /// </summary>
    /// <exception cref="AcsRequestException">The service refused a request, or kept paging.</exception>
    public async Task<IReadOnlyList<string>> ListParticipantsAsync(string threadId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        string? next = $"chat/threads/{Uri.EscapeDataString(threadId)}/participants?maxPageSize={ParticipantPageSize}&api-version={Uri.EscapeDataString(options.Value.ChatApiVersion)}";
        for (var page = 0; next is not null; page++)
        {
            if (page == MaxParticipantPages)
            {
                throw new AcsRequestException(Service, 502, "TooManyPages", $"The participant list of a thread ran past {MaxParticipantPages} pages.");
            }

            using var response = await pipeline.SendAsync(new AcsRestRequest(Service, "listParticipants", HttpMethod.Get, next) { BearerToken = identity.GetChatTokenAsync }, cancellationToken);
            var root = response.Json(Service);
            foreach (var participant in root.GetProperty("value").EnumerateArray())
            {
                if (participant.TryGetProperty("communicationIdentifier", out var identifier) && identifier.TryGetProperty("rawId", out var rawId) && rawId.GetString() is { Length: > 0 } id)
                {
                    ids.Add(id);
                }
            }

            next = root.TryGetProperty("nextLink", out var link) && link.GetString() is { Length: > 0 } nextLink
                ? new Uri(pipeline.Endpoint, nextLink).PathAndQuery.TrimStart('/')
                : null;
        }

        return ids;
    }

    /// <summary>
    /// The thread's newest text and html messages that are not deleted, newest first, from one <c>listMessages</c> page
    /// of <see cref="MaxMessages"/> (§3, §5). Senders are given by id only (<see cref="ChatMessageEvent.SenderName"/> is
    /// empty): the caller names them.
    /// </summary>
    public async Task<IReadOnlyList<ChatMessageEvent>> ListMessagesAsync(string threadId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("listMessages", HttpMethod.Get, $"chat/threads/{Uri.EscapeDataString(threadId)}/messages", null, cancellationToken, query: $"maxPageSize={MaxMessages}&");
        var messages = new List<ChatMessageEvent>();
        foreach (var message in response.Json(Service).GetProperty("value").EnumerateArray())
        {
            var type = message.GetProperty("type").GetString() ?? "";
            if (type is not ("text" or "html") || message.TryGetProperty("deletedOn", out _))
            {
                continue;
            }

            messages.Add(new ChatMessageEvent(
                threadId,
                message.GetProperty("id").GetString()!,
                message.TryGetProperty("senderCommunicationIdentifier", out var sender) && sender.TryGetProperty("rawId", out var rawId) ? rawId.GetString() ?? "" : "",
                "",
                message.TryGetProperty("content", out var content) && content.TryGetProperty("message", out var text) ? text.GetString() ?? "" : "",
                type,
                message.GetProperty("createdOn").GetDateTimeOffset(),
                message.TryGetProperty("editedOn", out var edited) ? edited.GetDateTimeOffset() : null,
                null));
        }

        return messages;
    }

    /// <summary>Deletes a thread; one already gone (404) counts as deleted.</summary>
    public async Task DeleteThreadAsync(string threadId, CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await SendAsync("deleteThread", HttpMethod.Delete, $"chat/threads/{Uri.EscapeDataString(threadId)}", null, cancellationToken);
        }
        catch (AcsRequestException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>A communication user's identifier model, with both <c>rawId</c> and <c>communicationUser.id</c> (rule 5).</summary>
    private static JsonObject Identifier(string acsUserId) => new() { ["rawId"] = acsUserId, ["communicationUser"] = new JsonObject { ["id"] = acsUserId } };

    // A 401 means the controller's cached token was refused (revoked, or its identity's tokens invalidated): it is
    // dropped and the request tried once more with a new one, rather than failing until the cached one expires.
    private async Task<AcsResponse> SendAsync(string operation, HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? repeatabilityRequestId = null, string query = "")
    {
        string? used = null;
        var request = new AcsRestRequest(Service, operation, method, $"{path}?{query}api-version={Uri.EscapeDataString(options.Value.ChatApiVersion)}")
        {
            Body = body,
            BearerToken = async ct => used = await identity.GetChatTokenAsync(ct),
            Headers = repeatabilityRequestId is null ? [] : [new("repeatability-request-id", repeatabilityRequestId)],
        };
        try
        {
            return await pipeline.SendAsync(request, cancellationToken);
        }
        catch (AcsRequestException ex) when (ex.Status == 401 && used is not null)
        {
            identity.ForgetChatToken(used);
            return await pipeline.SendAsync(request, cancellationToken);
        }
    }
}
