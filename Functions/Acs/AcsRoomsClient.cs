using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Acs;

/// <summary>
/// The Rooms control-plane calls the communication controller makes (shared/protocols/acs-chat-rooms.md §8,
/// api-version <see cref="AcsOptions.RoomsApiVersion"/>), HMAC-signed through <see cref="AcsRestPipeline"/>.
/// </summary>
public sealed class AcsRoomsClient(AcsRestPipeline pipeline, IOptions<AcsOptions> options, TimeProvider time)
{
    private const string Service = "rooms";

    /// <summary>The room role of a board's owner.</summary>
    public const string Presenter = "Presenter";

    /// <summary>The room role of a board's editor.</summary>
    public const string Attendee = "Attendee";

    /// <summary>The room role of a board's viewer.</summary>
    public const string Consumer = "Consumer";

    /// <summary>Creates a room valid from now until <paramref name="validUntil"/>; the service executes a repeated <paramref name="repeatabilityRequestId"/> once.</summary>
    public async Task<AcsRoom> CreateRoomAsync(DateTimeOffset validUntil, string repeatabilityRequestId, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["validUntil"] = Format(validUntil), ["participants"] = new JsonObject() };
        using var response = await SendAsync(
            "createRoom",
            HttpMethod.Post,
            "rooms",
            body,
            cancellationToken,
            [new("Repeatability-Request-ID", repeatabilityRequestId), new("Repeatability-First-Sent", time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture))]);
        return Read(response.Json(Service));
    }

    /// <summary>
    /// Replaces a room's validity window with <paramref name="validFrom"/>–<paramref name="validUntil"/>. Both ends move:
    /// the service refuses a window longer than 180 days (shared/protocols/acs-chat-rooms.md §8), so a renewal that
    /// moved only the end would fail once the room had existed for 180 days less the renewal's length.
    /// </summary>
    /// <exception cref="AcsRequestException">The service refused the window, or the room is gone (404).</exception>
    public async Task<AcsRoom> UpdateWindowAsync(string roomId, DateTimeOffset validFrom, DateTimeOffset validUntil, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["validFrom"] = Format(validFrom), ["validUntil"] = Format(validUntil) };
        using var response = await SendAsync("updateRoom", HttpMethod.Patch, $"rooms/{Uri.EscapeDataString(roomId)}", body, cancellationToken);
        return Read(response.Json(Service));
    }

    /// <summary>Deletes a room; one already gone (404) counts as deleted.</summary>
    public async Task DeleteRoomAsync(string roomId, CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await SendAsync("deleteRoom", HttpMethod.Delete, $"rooms/{Uri.EscapeDataString(roomId)}", null, cancellationToken);
        }
        catch (AcsRequestException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>Adds or updates participants with their roles, and removes those whose role is null (one merge-patch).</summary>
    public async Task SetParticipantsAsync(string roomId, IReadOnlyDictionary<string, string?> roles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var participants = new JsonObject();
        foreach (var (acsUserId, role) in roles)
        {
            participants[acsUserId] = role is null ? null : new JsonObject { ["role"] = role };
        }

        using var _ = await SendAsync("participants", HttpMethod.Patch, $"rooms/{Uri.EscapeDataString(roomId)}/participants", new JsonObject { ["participants"] = participants }, cancellationToken);
    }

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static AcsRoom Read(JsonElement room) =>
        new(room.GetProperty("id").GetString()!, room.GetProperty("validFrom").GetDateTimeOffset(), room.GetProperty("validUntil").GetDateTimeOffset());

    private Task<AcsResponse> SendAsync(string operation, HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken, IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        pipeline.SendAsync(
            new AcsRestRequest(Service, operation, method, $"{path}?api-version={Uri.EscapeDataString(options.Value.RoomsApiVersion)}")
            {
                Body = body,
                ContentType = method == HttpMethod.Patch ? "application/merge-patch+json" : "application/json",
                Headers = headers ?? [],
            },
            cancellationToken);
}

/// <summary>A room and its validity window.</summary>
/// <param name="Id">The room id.</param>
/// <param name="ValidFrom">From when it may be joined.</param>
/// <param name="ValidUntil">Until when it may be joined.</param>
public sealed record AcsRoom(string Id, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil);
