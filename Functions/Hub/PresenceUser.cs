namespace Collab.Functions.Hub;

/// <summary>One person on a board.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Name">The display name.</param>
/// <param name="Connections">How many connections (tabs, devices) the user has on the board.</param>
public sealed record PresenceUser(string UserId, string Name, int Connections);
