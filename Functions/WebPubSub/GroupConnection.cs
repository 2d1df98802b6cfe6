namespace Collab.Functions.WebPubSub;

/// <summary>A connection in a group, as the service lists it.</summary>
/// <param name="ConnectionId">The connection.</param>
/// <param name="UserId">Its user, if any.</param>
public sealed record GroupConnection(string ConnectionId, string? UserId);
