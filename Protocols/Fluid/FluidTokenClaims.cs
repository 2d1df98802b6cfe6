using System.Text.Json.Nodes;

namespace Collab.Protocols.Fluid;

/// <summary>The claims of a Fluid Relay token (shared/protocols/fluid-relay.md §2.2).</summary>
/// <param name="DocumentId">The container id; <c>""</c> when a container is being created.</param>
/// <param name="Scopes">Non-empty: <c>doc:read</c>, <c>doc:write</c>, <c>summary:write</c>.</param>
/// <param name="TenantId">The Fluid Relay tenant (<c>local</c> for Tinylicious).</param>
/// <param name="UserId">The <c>user.id</c> claim.</param>
/// <param name="UserName">The <c>user.name</c> claim; AzureClient refuses a user without it.</param>
/// <param name="AdditionalDetails">The optional <c>user.additionalDetails</c> object.</param>
/// <param name="IssuedAt">The <c>iat</c> claim.</param>
/// <param name="ExpiresAt">The <c>exp</c> claim; at most one hour after <paramref name="IssuedAt"/>.</param>
/// <param name="TokenId">The <c>jti</c> claim, fresh for every token.</param>
public sealed record FluidTokenClaims(
    string DocumentId,
    IReadOnlyList<string> Scopes,
    string TenantId,
    string UserId,
    string UserName,
    JsonObject? AdditionalDetails,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    Guid TokenId);
