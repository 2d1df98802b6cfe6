using System.Text.Json.Serialization;

namespace Collab.Functions.Hub;

/// <summary>The body of a successful <c>connect</c> response (shared/protocols/web-pubsub.md §4.4).</summary>
/// <param name="UserId">The connection's user.</param>
/// <param name="Groups">The board's group, joined on connect.</param>
/// <param name="Roles">What the board grants this user.</param>
/// <param name="Subprotocol">The chosen subprotocol; omitted (never blank) when the client offered none we speak.</param>
public sealed record ConnectEventResponse(
    string UserId,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Roles,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subprotocol);
