using Collab.Functions.Acs;
using Collab.Functions.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Communication;

/// <summary>
/// The communication controller's own ACS identity, which creates the boards' chat threads and manages their
/// participants (the ACS samples' server-owned identity). It is created once, on first use, and recorded like a
/// user's mapping under a key no user id can collide with (<see cref="AcsIdentityMappingStore.ServiceBlobName"/>);
/// concurrent first uses on any number of instances agree on one identity through the mapping's conditional write,
/// and the losers delete the identity they created. Its chat token is cached in memory, one entry, and refreshed
/// <see cref="RefreshBefore"/> its expiry.
/// </summary>
public sealed class AcsServiceIdentity(AcsIdentityClient acs, AcsIdentityMappingStore mappings, IOptions<AcsOptions> options, TimeProvider time, ILogger<AcsServiceIdentity> logger) : IDisposable
{
    /// <summary>How long before its expiry the cached token is replaced.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(10);

    private static readonly string[] ChatScope = ["chat"];
    private const int MaxAttempts = 3;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _id;
    private AcsAccessToken? _token;

    /// <summary>The controller's ACS identity id, created on first use.</summary>
    public async Task<string> GetIdAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _id) is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _id ?? (await LoadOrCreateAsync(cancellationToken)).Id;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A chat token of the controller's identity, from the cache while it has more than <see cref="RefreshBefore"/> left.</summary>
    public async ValueTask<string> GetChatTokenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _token) is { } cached && cached.ExpiresOn - time.GetUtcNow() > RefreshBefore)
        {
            return cached.Token;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } fresh && fresh.ExpiresOn - time.GetUtcNow() > RefreshBefore)
            {
                return fresh.Token;
            }

            var minutes = options.Value.TokenLifetimeMinutes;
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var (id, token) = _id is { } existing ? (existing, null) : await LoadOrCreateAsync(cancellationToken);
                try
                {
                    token ??= await acs.IssueTokenAsync(id, ChatScope, minutes, cancellationToken);
                    Volatile.Write(ref _token, token);
                    return token.Token;
                }
                catch (AcsRequestException ex) when (ex.IsIdentityGone)
                {
                    // Deleted outside the app: forget it, so the next pass records a new one. Threads the old identity
                    // created no longer admit the controller; this is logged as an error for an operator to see.
                    logger.LogError("The communication controller's ACS identity {AcsUserId} no longer exists; creating another", id);
                    if (await mappings.GetServiceAsync(cancellationToken) is { } stale && stale.Mapping.AcsUserId == id)
                    {
                        await mappings.DeleteServiceAsync(stale.ETag, cancellationToken);
                    }

                    _id = null;
                }
            }

            throw new AcsRequestException("identity", 503, "ServiceIdentityUnstable", "The controller's identity kept changing.");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Drops the cached chat token if it is still <paramref name="token"/>, which the chat service refused (401), so the
    /// next call gets a new one; a token another caller already replaced is left alone.
    /// </summary>
    public void ForgetChatToken(string token)
    {
        if (Volatile.Read(ref _token) is { } cached && cached.Token == token)
        {
            Interlocked.CompareExchange(ref _token, null, cached);
            logger.LogWarning("The chat service refused the communication controller's cached token; getting a new one");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    // Under the gate. A newly created identity comes with its first token (one round trip instead of two).
    private async Task<(string Id, AcsAccessToken? Token)> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await mappings.GetServiceAsync(cancellationToken) is { } stored)
            {
                Volatile.Write(ref _id, stored.Mapping.AcsUserId);
                return (stored.Mapping.AcsUserId, null);
            }

            var created = await acs.CreateIdentityAsync(ChatScope, options.Value.TokenLifetimeMinutes, cancellationToken);
            if (await mappings.TryCreateServiceAsync(created.Id, cancellationToken))
            {
                logger.LogInformation("Created the communication controller's ACS identity {AcsUserId}", created.Id);
                Volatile.Write(ref _id, created.Id);
                return (created.Id, created.AccessToken);
            }

            // Another instance recorded its identity first; ours must not linger unused.
            try
            {
                await acs.DeleteIdentityAsync(created.Id, cancellationToken);
            }
            catch (AcsRequestException ex)
            {
                logger.LogWarning("Could not delete the unused ACS identity {AcsUserId}: {Status} {Code}", created.Id, ex.Status, ex.Code);
            }
        }

        throw new AcsRequestException("identity", 503, "ServiceIdentityUnstable", "The controller's identity mapping kept changing.");
    }
}
