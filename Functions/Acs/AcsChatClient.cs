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
    private const string Service = "chat";

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
    private async Task<AcsResponse> SendAsync(string operation, HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? repeatabilityRequestId = null)
    {
        string? used = null;
        var request = new AcsRestRequest(Service, operation, method, $"{path}?api-version={Uri.EscapeDataString(options.Value.ChatApiVersion)}")
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
