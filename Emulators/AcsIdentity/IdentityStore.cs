using System.Collections.Concurrent;

namespace Collab.Emulators.AcsIdentity;

/// <summary>The emulator's identities and the ids (<c>jti</c>) of the tokens issued to each.</summary>
public sealed class IdentityStore
{
    private readonly ConcurrentDictionary<string, Identity> _identities = new(StringComparer.Ordinal);

    /// <summary>Adds a new identity.</summary>
    public void Add(string id) => _identities[id] = new Identity();

    /// <summary>How many identities exist.</summary>
    public int Count => _identities.Count;

    /// <summary>True when <paramref name="id"/> exists (was created and not deleted).</summary>
    public bool Exists(string id) => _identities.ContainsKey(id);

    /// <summary>Deletes an identity and with it every token; false when it did not exist.</summary>
    public bool Delete(string id) => _identities.TryRemove(id, out _);

    /// <summary>Records a token issued to <paramref name="id"/>; false when the identity is gone.</summary>
    public bool RecordToken(string id, string tokenId)
    {
        if (!_identities.TryGetValue(id, out var identity))
        {
            return false;
        }

        lock (identity)
        {
            identity.Active.Add(tokenId);
        }

        return true;
    }

    /// <summary>Revokes every token issued so far; false when the identity is gone.</summary>
    public bool RevokeAll(string id)
    {
        if (!_identities.TryGetValue(id, out var identity))
        {
            return false;
        }

        lock (identity)
        {
            identity.Revoked.UnionWith(identity.Active);
            identity.Active.Clear();
        }

        return true;
    }

    /// <summary>The state of one token: <c>active</c>, <c>revoked</c>, <c>deleted</c> (identity gone) or <c>unknown</c>.</summary>
    public string TokenState(string id, string tokenId)
    {
        if (!_identities.TryGetValue(id, out var identity))
        {
            return "deleted";
        }

        lock (identity)
        {
            return identity.Active.Contains(tokenId) ? "active" : identity.Revoked.Contains(tokenId) ? "revoked" : "unknown";
        }
    }

    private sealed class Identity
    {
        public HashSet<string> Active { get; } = [];

        public HashSet<string> Revoked { get; } = [];
    }
}
