using System.Text.Json.Serialization;

namespace Collab.Boards.Model;

/// <summary>One line of a board's operation log, and the <c>data</c> of the <c>op</c> message broadcast to the board.</summary>
/// <param name="Seq">The server-assigned sequence number: 1, 2, 3, … without gaps.</param>
/// <param name="OpId">The client-generated operation id; with <paramref name="Author"/>, the key that makes retries idempotent.</param>
/// <param name="Author">The user id of the sender.</param>
/// <param name="At">When it was committed.</param>
/// <param name="Op">The operation.</param>
/// <param name="Agent">
/// The name of the AI agent (its MCP <c>clientInfo</c>) that sent the operation on <paramref name="Author"/>'s behalf,
/// or null for the user's own operations. Omitted from the JSON when null, so logs written before it read unchanged.
/// </param>
public sealed record LoggedOperation(
    long Seq,
    string OpId,
    string Author,
    DateTimeOffset At,
    BoardOperation Op,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Agent = null);
