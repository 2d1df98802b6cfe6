namespace Collab.Functions.Hub;

/// <summary>
/// What the app keeps on a connection through <c>ce-connectionState</c>, which the service round-trips opaquely on
/// every later event (shared/protocols/web-pubsub.md §4.8). Nothing in a request but the connection id is signed by
/// the service (§4.3), so the state travels sealed by <see cref="ConnectionStateSealer"/> and names the connection and
/// user it was issued for: it cannot be forged, edited, or moved to another connection or user.
/// </summary>
/// <param name="BoardId">The board the connection was admitted to.</param>
/// <param name="Name">The user's display name.</param>
/// <param name="Role">The role the connection was admitted with: <c>owner</c>, <c>editor</c> or <c>viewer</c>.</param>
/// <param name="ConnectionId">The connection it was issued for (<c>ce-connectionId</c> of the <c>connect</c> event).</param>
/// <param name="UserId">The user it was issued for (<c>ce-userId</c> of the <c>connect</c> event).</param>
/// <param name="IssuedAt">When the connection was admitted.</param>
public sealed record ConnectionState(string BoardId, string Name, string Role, string ConnectionId, string UserId, DateTimeOffset IssuedAt);
