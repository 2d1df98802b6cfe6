using System.Collections.Concurrent;

namespace Collab.Emulators.WebPubSub;

/// <summary>A hub's connections, groups and user-group memberships.</summary>
public sealed class Hub(string name)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, ClientConnection>> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _userGroups = new(StringComparer.Ordinal);

    /// <summary>The service's group-name rule: 1-1024 characters, not only whitespace.</summary>
    public static bool IsValidGroupName(string group) => group.Length is > 0 and <= 1024 && !string.IsNullOrWhiteSpace(group);

    /// <summary>The hub name.</summary>
    public string Name { get; } = name;

    /// <summary>Live connections (including reliable ones waiting for recovery) by id.</summary>
    public ConcurrentDictionary<string, ClientConnection> Connections { get; } = new(StringComparer.Ordinal);

    /// <summary>Registers a connection and puts it in the groups its user was added to.</summary>
    public void Add(ClientConnection connection)
    {
        Connections[connection.ConnectionId] = connection;
        if (connection.UserId is { } user && _userGroups.TryGetValue(user, out var groups))
        {
            foreach (var group in groups.Keys)
            {
                Join(connection, group);
            }
        }
    }

    /// <summary>Forgets a connection and its group memberships.</summary>
    public void Remove(ClientConnection connection)
    {
        Connections.TryRemove(connection.ConnectionId, out _);
        foreach (var group in connection.Groups.Keys)
        {
            Leave(connection, group);
        }
    }

    /// <summary>Adds <paramref name="connection"/> to <paramref name="group"/>.</summary>
    public void Join(ClientConnection connection, string group)
    {
        _groups.GetOrAdd(group, _ => new ConcurrentDictionary<string, ClientConnection>(StringComparer.Ordinal))[connection.ConnectionId] = connection;
        connection.Groups[group] = 0;
    }

    /// <summary>Removes <paramref name="connection"/> from <paramref name="group"/>.</summary>
    public void Leave(ClientConnection connection, string group)
    {
        connection.Groups.TryRemove(group, out _);
        if (_groups.TryGetValue(group, out var members))
        {
            members.TryRemove(connection.ConnectionId, out _);
        }
    }

    /// <summary>The connections in <paramref name="group"/>.</summary>
    /// <remarks>
    /// Enumerates the members in place: <c>ConcurrentDictionary.Values</c> would take every lock of the group and copy
    /// it once per message sent to it, which fan-out to a large group pays on each message.
    /// </remarks>
    public IEnumerable<ClientConnection> InGroup(string group) =>
        _groups.TryGetValue(group, out var members) ? members.Select(m => m.Value) : [];

    /// <summary>The connections of <paramref name="userId"/>.</summary>
    public IEnumerable<ClientConnection> OfUser(string userId) => Connections.Values.Where(c => c.UserId == userId);

    /// <summary>Adds a user, with current and future connections, to a group.</summary>
    public void AddUserToGroup(string userId, string group)
    {
        _userGroups.GetOrAdd(userId, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[group] = 0;
        foreach (var connection in OfUser(userId))
        {
            Join(connection, group);
        }
    }

    /// <summary>Removes a user from one group, or from all groups when <paramref name="group"/> is null.</summary>
    public void RemoveUserFromGroup(string userId, string? group)
    {
        if (_userGroups.TryGetValue(userId, out var groups))
        {
            if (group is null)
            {
                groups.Clear();
            }
            else
            {
                groups.TryRemove(group, out _);
            }
        }

        foreach (var connection in OfUser(userId))
        {
            foreach (var joined in connection.Groups.Keys.Where(g => group is null || g == group))
            {
                Leave(connection, joined);
            }
        }
    }
}
