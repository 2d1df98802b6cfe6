using Collab.Boards.Errors;
using Collab.Functions.Acs;
using Collab.Functions.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tokens;

/// <summary>
/// The trusted token service for ACS: each app user has exactly one ACS identity, created on first use and kept in
/// <see cref="AcsIdentityMappingStore"/>, and gets tokens for it with the configured scopes and lifetime.
/// </summary>
public sealed class AcsTokenService(AcsIdentityClient acs, AcsIdentityMappingStore mappings, IOptions<AcsOptions> options, ILogger<AcsTokenService> logger)
{
    private const int MaxAttempts = 3;
    private const int MaxEntraTokenLength = 16 * 1024;
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Issues a token for the caller's ACS identity, creating the identity on the first call.</summary>
    /// <exception cref="CollabException">A scope outside the allowed set (400), or ACS or storage failing (502/503).</exception>
    public async Task<AcsTokenResponse> IssueAsync(SignedInUser user, IReadOnlyList<string>? requestedScopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var scopes = ResolveScopes(requestedScopes);
        var minutes = options.Value.TokenLifetimeMinutes;
        return await GuardAsync(async () =>
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var stored = await mappings.GetAsync(user.UserId, cancellationToken);
                if (stored is null)
                {
                    var created = await acs.CreateIdentityAsync(scopes, minutes, cancellationToken);
                    if (await mappings.TryCreateAsync(user.UserId, created.Id, cancellationToken))
                    {
                        logger.LogInformation("Created ACS identity {AcsUserId} for user {UserId}", created.Id, user.UserId);
                        return new AcsTokenResponse(created.Id, created.AccessToken!.Token, created.AccessToken.ExpiresOn);
                    }

                    // Another call mapped this user first; its identity wins and ours must not linger unused.
                    await DeleteIdentityQuietlyAsync(created.Id, cancellationToken);
                    continue;
                }

                try
                {
                    var token = await acs.IssueTokenAsync(stored.Mapping.AcsUserId, scopes, minutes, cancellationToken);
                    return new AcsTokenResponse(stored.Mapping.AcsUserId, token.Token, token.ExpiresOn);
                }
                catch (AcsRequestException ex) when (ex.IsIdentityGone)
                {
                    // The identity was deleted outside this app; drop the stale mapping so the next pass creates a new one.
                    logger.LogWarning("ACS identity {AcsUserId} of user {UserId} no longer exists; remapping", stored.Mapping.AcsUserId, user.UserId);
                    await mappings.DeleteAsync(user.UserId, stored.ETag, cancellationToken);
                }
            }

            throw new UnavailableException("The ACS identity mapping kept changing; retry.", DefaultRetryAfter);
        });
    }

    /// <summary>
    /// The ACS identity of <paramref name="userId"/>, created (without a token) and mapped on first use, exactly as
    /// <see cref="IssueAsync"/> maps it, so the communication controller can add a user who has not asked for a token yet.
    /// </summary>
    /// <exception cref="AcsRequestException">ACS refused or is unavailable (the caller maps it).</exception>
    public async Task<string> EnsureIdentityAsync(string userId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await mappings.GetAsync(userId, cancellationToken) is { } stored)
            {
                return stored.Mapping.AcsUserId;
            }

            var created = await acs.CreateIdentityAsync(null, options.Value.TokenLifetimeMinutes, cancellationToken);
            if (await mappings.TryCreateAsync(userId, created.Id, cancellationToken))
            {
                logger.LogInformation("Created ACS identity {AcsUserId} for user {UserId}", created.Id, userId);
                return created.Id;
            }

            await DeleteIdentityQuietlyAsync(created.Id, cancellationToken);
        }

        throw new UnavailableException("The ACS identity mapping kept changing; retry.", DefaultRetryAfter);
    }

    /// <summary>
    /// Deletes the caller's mapping first, then revokes and deletes the ACS identity, so no token can be issued for an
    /// identity being deleted. Idempotent: without a mapping there is nothing to do.
    /// </summary>
    public Task DeleteIdentityAsync(SignedInUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return GuardAsync(async () =>
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var stored = await mappings.GetAsync(user.UserId, cancellationToken);
                if (stored is null)
                {
                    return true;
                }

                if (!await mappings.DeleteAsync(user.UserId, stored.ETag, cancellationToken))
                {
                    continue;
                }

                var id = stored.Mapping.AcsUserId;
                await IgnoringGoneAsync(() => acs.RevokeTokensAsync(id, cancellationToken));
                await IgnoringGoneAsync(() => acs.DeleteIdentityAsync(id, cancellationToken));
                logger.LogInformation("Deleted ACS identity {AcsUserId} of user {UserId}", id, user.UserId);
                return true;
            }

            throw new UnavailableException("The ACS identity mapping kept changing; retry.", DefaultRetryAfter);
        });
    }

    /// <summary>
    /// Exchanges a Teams user's Entra token for an ACS token through the identity API (shared/protocols/acs-chat-rooms.md
    /// §9). The input is checked first, so nothing malformed reaches ACS; ACS's 401 (token invalid, expired or not for
    /// ACS) becomes 401 <c>teams-token-rejected</c> and its 400 (app id or user id not those of the token) 400
    /// <c>teams-exchange-refused</c>.
    /// </summary>
    public async Task<TeamsTokenResponse> ExchangeTeamsTokenAsync(TeamsTokenRequest? request, CancellationToken cancellationToken)
    {
        var token = request?.Token;
        if (token is null || token.Length is 0 or > MaxEntraTokenLength || token.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new InvalidRequestException($"token must be the Teams user's Entra access token: 1-{MaxEntraTokenLength} characters without spaces.");
        }

        if (!Guid.TryParseExact(request!.AppId, "D", out _) || !Guid.TryParseExact(request.UserId, "D", out _))
        {
            throw new InvalidRequestException("appId (the Entra application's client id) and userId (the Teams user's object id) must be GUIDs.");
        }

        return await GuardAsync(async () =>
        {
            try
            {
                var exchanged = await acs.ExchangeTeamsTokenAsync(token, request.AppId!, request.UserId!, cancellationToken);
                return new TeamsTokenResponse(exchanged.Token, exchanged.ExpiresOn);
            }
            catch (AcsRequestException ex) when (ex.Status == 401)
            {
                logger.LogInformation("ACS refused a Teams token exchange: {Status} {Code}", ex.Status, ex.Code);
                throw new UnauthenticatedException("teams-token-rejected", "Azure Communication Services refused the Teams token: it is invalid, expired or not issued for Azure Communication Services.");
            }
            catch (AcsRequestException ex) when (ex.Status == 400)
            {
                logger.LogInformation("ACS refused a Teams token exchange: {Status} {Code}", ex.Status, ex.Code);
                throw new InvalidRequestException("teams-exchange-refused", "Azure Communication Services refused the exchange: appId and userId must be those the Teams token was issued to and for.");
            }
        });
    }

    private IReadOnlyList<string> ResolveScopes(IReadOnlyList<string>? requested)
    {
        var allowed = options.Value.AllowedScopes();
        if (requested is null)
        {
            return allowed;
        }

        if (requested.Count == 0)
        {
            throw new InvalidRequestException("scopes must not be empty; omit it to get every allowed scope.");
        }

        // chat and chat.join are refused whatever the settings say: they would let any participant delete the board's
        // thread, change its topic or add and remove participants (acs-identity.md §5); only the controller holds chat.
        var refused = requested.Where(s => !allowed.Contains(s, StringComparer.Ordinal) || !AcsOptions.UserScopes.Contains(s)).ToList();
        if (refused.Count > 0)
        {
            throw new InvalidRequestException(
                $"Scope(s) {string.Join(", ", refused.Select(s => $"'{Truncate(s)}'"))} are not allowed; allowed: {string.Join(", ", allowed.Where(AcsOptions.UserScopes.Contains))}.");
        }

        return requested.Distinct(StringComparer.Ordinal).ToList();
    }

    private async Task DeleteIdentityQuietlyAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await acs.DeleteIdentityAsync(id, cancellationToken);
        }
        catch (AcsRequestException ex)
        {
            logger.LogWarning("Could not delete unused ACS identity {AcsUserId}: {Status} {Code}", id, ex.Status, ex.Code);
        }
    }

    private static async Task IgnoringGoneAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (AcsRequestException ex) when (ex.IsIdentityGone)
        {
        }
    }

    private async Task<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (AcsRequestException ex) when (ex.IsTransient)
        {
            logger.LogWarning("ACS identity API unavailable: {Status} {Code}", ex.Status, ex.Code);
            throw new UnavailableException("Azure Communication Services is unavailable; retry later.", ex.RetryAfter ?? DefaultRetryAfter, ex);
        }
        catch (AcsRequestException ex)
        {
            logger.LogError("ACS identity API refused the request: {Status} {Code}", ex.Status, ex.Code);
            throw UnavailableException.Failed($"Azure Communication Services refused the request ({ex.Status} {ex.Code}).", ex);
        }
        catch (Exception ex) when (ex is not AcsRequestException && DependencyFailure.IsUnavailable(ex))
        {
            logger.LogWarning("Blob Storage unavailable: {Error}", ex.GetType().Name);
            throw new UnavailableException("Storage is unavailable; retry later.", DefaultRetryAfter, ex);
        }
    }

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
