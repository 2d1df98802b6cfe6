using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collab.Emulators.AcsIdentity;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsRooms;

/// <summary>
/// The ACS Rooms control plane under <c>/rooms</c>: rooms with validity windows, participants with roles, paging,
/// idempotent create, HMAC auth, and the service's exact statuses and error bodies (shared/protocols/acs-chat-rooms.md §8).
/// </summary>
public sealed partial class AcsRoomsEndpoint(
    RoomStore store,
    AcsRequestAuthenticator authenticator,
    IOptions<AcsIdentityEmulatorOptions> options,
    TimeProvider time,
    ILogger<AcsRoomsEndpoint> logger)
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const string Malformed = "The request could not be understood by the server due to malformed syntax.";
    private static readonly string[] Roles = ["Presenter", "Attendee", "Consumer", "Collaborator"];

    private AcsRoomsEmulatorOptions Settings => options.Value.Rooms;

    /// <summary>Handles one request under <c>/rooms</c>.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers["api-supported-versions"] = string.Join(", ", Settings.ApiVersions);
        var body = await AcsResponses.ReadBodyAsync(request, MaxBodyBytes);
        if (body is null)
        {
            await ErrorAsync(context, 413, "RequestEntityTooLarge", "The request body exceeds 1 MB.");
            return;
        }

        if (authenticator.Verify(request, body) is { } reason)
        {
            logger.LogInformation("Refused {Method} {Path}: {Reason}", request.Method, request.Path, reason);
            await ErrorAsync(context, 401, "Denied", "Denied by the resource provider.");
            return;
        }

        if (AcsResponses.ApiVersionError(request, Settings.ApiVersions) is { } versionError)
        {
            await ErrorAsync(context, 400, versionError.Code, versionError.Message);
            return;
        }

        var segments = request.Path.Value!.Trim('/').Split('/');
        if (segments.Length > 1 && !IsValidRoomIdLength(segments[1]))
        {
            await ErrorAsync(context, 400, "BadRequest", "Invalid room ID length.");
            return;
        }

        switch (request.Method, segments)
        {
            case ("POST", ["rooms"]):
                await CreateAsync(context, body);
                break;
            case ("GET", ["rooms"]):
                await ListRoomsAsync(context);
                break;
            case ("GET", ["rooms", var id]):
                await WithRoomAsync(context, store.Find(id), room => AcsResponses.JsonAsync(context, 200, RoomJson(room)));
                break;
            case ("PATCH", ["rooms", var id]):
                await UpdateAsync(context, id, body);
                break;
            case ("DELETE", ["rooms", var id]):
                // Deleting a room twice answers 204 both times (§8).
                store.Delete(id);
                context.Response.StatusCode = 204;
                break;
            case ("GET", ["rooms", var id, "participants"]):
                await ListParticipantsAsync(context, id);
                break;
            case ("PATCH", ["rooms", var id, "participants"]):
                await PatchParticipantsAsync(context, id, body);
                break;
            default:
                await NotFoundAsync(context);
                break;
        }
    }

    private async Task CreateAsync(HttpContext context, byte[] body)
    {
        if (await ParseObjectAsync(context, body) is not { } json)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (!TryReadTime(json, "validFrom", out var from, out var error) || !TryReadTime(json, "validUntil", out var until, out error)
            || !TryReadBool(json, "pstnDialOutEnabled", out var pstn, out error))
        {
            await BadArgumentAsync(context, error!.Value);
            return;
        }

        var participants = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.TryGetProperty("participants", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (await ReadParticipantsAsync(context, list) is not { } changes)
            {
                return;
            }

            foreach (var (rawId, role) in changes.Where(c => c.Value is not null))
            {
                participants[rawId] = role!;
            }
        }

        var validFrom = from ?? now;
        var validUntil = until ?? now + Settings.MaxValidity;
        if (CheckWindow(validFrom, validUntil, now) is { } windowError)
        {
            await BadArgumentAsync(context, windowError);
            return;
        }

        var repeatabilityId = context.Request.Headers["Repeatability-Request-ID"].ToString();
        var outcome = store.Create(now, validFrom, validUntil, pstn ?? false, participants, repeatabilityId.Length > 0 ? repeatabilityId : null, out var room, out var replayed);
        if (outcome != RoomChange.Done)
        {
            await LimitAsync(context, outcome);
            return;
        }

        logger.LogInformation("Room {RoomId} {Outcome} with {Count} participants", room!.Id, replayed ? "replayed" : "created", participants.Count);
        context.Response.Headers.Location = room.Id;
        if (repeatabilityId.Length > 0)
        {
            context.Response.Headers["Repeatability-Result"] = "accepted";
        }

        await AcsResponses.JsonAsync(context, 201, RoomJson(room));
    }

    private async Task UpdateAsync(HttpContext context, string id, byte[] body)
    {
        if (await ParseObjectAsync(context, body) is not { } json)
        {
            return;
        }

        if (!TryReadTime(json, "validFrom", out var from, out var error) || !TryReadTime(json, "validUntil", out var until, out error)
            || !TryReadBool(json, "pstnDialOutEnabled", out var pstn, out error))
        {
            await BadArgumentAsync(context, error!.Value);
            return;
        }

        if (store.Find(id) is not { } current)
        {
            await NotFoundAsync(context);
            return;
        }

        var validFrom = from ?? current.ValidFrom;
        var validUntil = until ?? current.ValidUntil;
        if (CheckWindow(validFrom, validUntil, time.GetUtcNow()) is { } windowError)
        {
            await BadArgumentAsync(context, windowError);
            return;
        }

        await WithRoomAsync(context, store.Update(id, validFrom, validUntil, pstn ?? current.PstnDialOutEnabled), room => AcsResponses.JsonAsync(context, 200, RoomJson(room)));
    }

    private async Task ListRoomsAsync(HttpContext context)
    {
        var (page, next) = store.List(ReadContinuation(context), Math.Max(1, Settings.PageSize));
        await AcsResponses.JsonAsync(context, 200, Page(context, page.Select(RoomJson), next));
    }

    private async Task ListParticipantsAsync(HttpContext context, string id)
    {
        if (store.ListParticipants(id, ReadContinuation(context), Math.Max(1, Settings.PageSize)) is not { } result)
        {
            await NotFoundAsync(context);
            return;
        }

        await AcsResponses.JsonAsync(context, 200, Page(context, result.Page.Select(p => new { rawId = p.Key, role = p.Value }), result.Next));
    }

    private async Task PatchParticipantsAsync(HttpContext context, string id, byte[] body)
    {
        if (await ParseObjectAsync(context, body) is not { } json)
        {
            return;
        }

        if (!json.TryGetProperty("participants", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            await BadArgumentAsync(context, ("updateParticipantsRequestDto", "The updateParticipantsRequestDto field is required."));
            return;
        }

        if (await ReadParticipantsAsync(context, list) is not { } changes)
        {
            return;
        }

        var outcome = store.PatchParticipants(id, changes);
        if (outcome != RoomChange.Done)
        {
            await LimitAsync(context, outcome);
            return;
        }

        // 200 with a JSON body: the SDK throws on 204 here (§8, rule 9).
        await AcsResponses.JsonAsync(context, 200, new { });
    }

    /// <summary>Reads <c>{"rawId": {"role": …} | null}</c>; answers the request and returns null when it is malformed.</summary>
    private async Task<List<KeyValuePair<string, string?>>?> ReadParticipantsAsync(HttpContext context, JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Object)
        {
            await BadArgumentAsync(context, ("$.participants", "The participants field must be an object keyed by raw id."));
            return null;
        }

        var changes = new List<KeyValuePair<string, string?>>();
        foreach (var participant in list.EnumerateObject())
        {
            if (!CommunicationUserId().IsMatch(participant.Name))
            {
                await ErrorAsync(context, 400, "BadRequest", "Invalid format for communication identifier.");
                return null;
            }

            if (participant.Value.ValueKind == JsonValueKind.Null)
            {
                changes.Add(KeyValuePair.Create(participant.Name, (string?)null));
                continue;
            }

            var target = $"$.participants.{participant.Name}.role";
            if (participant.Value.ValueKind != JsonValueKind.Object)
            {
                await BadArgumentAsync(context, (target, $"The participant {participant.Name} must be an object with a role, or null to remove it."));
                return null;
            }

            // The SDK always sends a role; a missing or null one is the service's default, Attendee.
            string? role = "Attendee";
            if (participant.Value.TryGetProperty("role", out var roleValue) && roleValue.ValueKind != JsonValueKind.Null)
            {
                role = roleValue.ValueKind == JsonValueKind.String
                    ? Roles.FirstOrDefault(r => r.Equals(roleValue.GetString(), StringComparison.OrdinalIgnoreCase))
                    : null;
                if (role is null)
                {
                    await BadArgumentAsync(context, (target, $"The JSON value could not be converted to RoleDto. Path: {target}."));
                    return null;
                }
            }

            changes.Add(KeyValuePair.Create(participant.Name, (string?)role));
        }

        return changes;
    }

    /// <summary>The recorded validity-window refusals (§8): end in the past, start beyond the horizon, or too long / reversed.</summary>
    private (string Target, string Message)? CheckWindow(DateTimeOffset from, DateTimeOffset until, DateTimeOffset now)
    {
        if (until < now)
        {
            return ("ValidUntil", "The time range end is in the past.");
        }

        if (from > now + Settings.MaxValidity)
        {
            return ("ValidFrom", "Value is incorrect or more than 180 days in the future.");
        }

        if (from > until || until - from > Settings.MaxValidity)
        {
            return ("ValidUntil", "The time range is incorrect, or larger than 180 days.");
        }

        return null;
    }

    private static bool TryReadTime(JsonElement json, string property, out DateTimeOffset? value, out (string Target, string Message)? error)
    {
        value = null;
        error = null;
        if (!json.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed.ToUniversalTime();
            return true;
        }

        error = ($"$.{property}", $"The JSON value could not be converted to System.DateTimeOffset. Path: $.{property}.");
        return false;
    }

    private static bool TryReadBool(JsonElement json, string property, out bool? value, out (string Target, string Message)? error)
    {
        value = null;
        error = null;
        if (!json.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }

        error = ($"$.{property}", $"The JSON value could not be converted to System.Boolean. Path: $.{property}.");
        return false;
    }

    private static async Task<JsonElement?> ParseObjectAsync(HttpContext context, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
        }

        await BadArgumentAsync(context, ("$", "The request body must be a JSON object."));
        return null;
    }

    private static long ReadContinuation(HttpContext context) =>
        long.TryParse(context.Request.Query["continuationToken"], NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : 0;

    /// <summary>
    /// <c>{value, nextLink?}</c>; the link is absolute and followed verbatim (§8, rule 4), so it carries the api-version
    /// itself, and it is absent on the last page.
    /// </summary>
    private static Dictionary<string, object> Page<T>(HttpContext context, IEnumerable<T> value, long? next)
    {
        var page = new Dictionary<string, object> { ["value"] = value.ToList() };
        if (next is { } position)
        {
            var request = context.Request;
            var apiVersion = Uri.EscapeDataString(request.Query["api-version"].ToString());
            page["nextLink"] = $"{request.Scheme}://{request.Host}{request.Path}?api-version={apiVersion}&continuationToken={position.ToString(CultureInfo.InvariantCulture)}";
        }

        return page;
    }

    // Real ids are 17–18 digits, some recorded ones 16; "123" and "invalid_id" are refused for their length (§8).
    private static bool IsValidRoomIdLength(string id) => id.Length is >= 16 and <= 18;

    private static object RoomJson(RoomSnapshot room) => new
    {
        id = room.Id,
        createdAt = Format(room.CreatedAt),
        validFrom = Format(room.ValidFrom),
        validUntil = Format(room.ValidUntil),
        pstnDialOutEnabled = room.PstnDialOutEnabled,
    };

    // The service's form: 2023-07-05T21:57:27.6697631+00:00.
    private static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture);

    private static Task WithRoomAsync(HttpContext context, RoomSnapshot? room, Func<RoomSnapshot, Task> found) =>
        room is null ? NotFoundAsync(context) : found(room);

    private Task LimitAsync(HttpContext context, RoomChange outcome) => outcome switch
    {
        RoomChange.NotFound => NotFoundAsync(context),
        RoomChange.TooManyRooms => ErrorAsync(context, 400, "BadRequest", $"The emulator holds at most {Settings.MaxRooms} rooms (Acs:Rooms:MaxRooms); delete rooms first."),
        _ => ErrorAsync(context, 400, "BadRequest", $"A room holds at most {Settings.MaxParticipantsPerRoom} participants in the emulator (Acs:Rooms:MaxParticipantsPerRoom)."),
    };

    private static Task NotFoundAsync(HttpContext context) =>
        ErrorAsync(context, 404, "NotFound", "The server cannot find the requested resource.");

    private static Task BadArgumentAsync(HttpContext context, (string Target, string Message) detail) =>
        ErrorAsync(context, 400, "BadRequest", Malformed, [new { code = "BadArgument", message = detail.Message, target = detail.Target }]);

    /// <summary>The service's error body, with <c>x-ms-error-code</c> = <c>error.code</c> as every recorded error has (§8).</summary>
    private static Task ErrorAsync(HttpContext context, int status, string code, string message, object[]? details = null)
    {
        context.Response.Headers["x-ms-error-code"] = code;
        return details is null
            ? AcsResponses.ErrorAsync(context, status, code, message)
            : AcsResponses.JsonAsync(context, status, new { error = new { code, message, details } });
    }

    [GeneratedRegex(@"^8:(acs|spool|dod-acs|gcch-acs):\S+$")]
    private static partial Regex CommunicationUserId();
}
