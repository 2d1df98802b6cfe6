namespace Collab.Functions.Hub;

/// <summary>The <c>data</c> of the <c>presence</c> message.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Users">Who is there, ordered by user id.</param>
/// <param name="Count">How many users.</param>
public sealed record Presence(string BoardId, IReadOnlyList<PresenceUser> Users, int Count);
