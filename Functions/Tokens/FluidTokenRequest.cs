using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Errors;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Tokens;

/// <summary>
/// The query of the Fluid token-provider contract (shared/protocols/fluid-relay.md §6.2), plus the <c>boardId</c> the
/// web app puts in the provider's URL (the container belongs to that board): <c>tenantId</c>,
/// optional <c>documentId</c>, <c>userId</c> or <c>id</c>, <c>userName</c> or <c>name</c>, <c>additionalDetails</c>
/// (a JSON object, or <c>additionalDetails[key]=value</c> pairs as axios 1.x writes them) and optional comma-separated <c>scopes</c>.
/// </summary>
/// <param name="TenantId">The tenant asked for.</param>
/// <param name="DocumentId">The container, or <c>""</c> when one is being created.</param>
/// <param name="UserId">The user id the client passed, if any; it may only repeat the caller's.</param>
/// <param name="AdditionalDetails">Extra user details for the audience, if any.</param>
/// <param name="Scopes">The scopes asked for, or null for all allowed.</param>
public sealed record FluidTokenRequest(string TenantId, string DocumentId, string? UserId, JsonObject? AdditionalDetails, IReadOnlyList<string>? Scopes)
{
    /// <summary>The board whose Fluid container the token is for; empty when not given.</summary>
    public string BoardId { get; init; } = "";

    private const int MaxValueLength = 256;
    private const int MaxDetailsLength = 2048;
    private const string DetailsPrefix = "additionalDetails[";

    /// <summary>Reads the request from a query string.</summary>
    /// <exception cref="InvalidRequestException">A parameter is missing, repeated, too long or malformed (400).</exception>
    public static FluidTokenRequest FromQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var tenantId = Single(query, "tenantId");
        if (string.IsNullOrEmpty(tenantId))
        {
            throw Invalid("No tenantId provided in query params.");
        }

        var userId = Single(query, "userId") ?? Single(query, "id");
        var scopes = Single(query, "scopes")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new FluidTokenRequest(tenantId, Single(query, "documentId") ?? "", userId, ReadDetails(query), scopes) { BoardId = Single(query, "boardId") ?? "" };
    }

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            throw Invalid($"{name} is given more than once.");
        }

        var value = values[0] ?? "";
        if (value.Length > MaxValueLength || value.Any(char.IsControl))
        {
            throw Invalid($"{name} is longer than {MaxValueLength} characters or holds control characters.");
        }

        return value;
    }

    private static JsonObject? ReadDetails(IQueryCollection query)
    {
        if (query.TryGetValue("additionalDetails", out var json) && json.Count > 0)
        {
            var text = json.Count == 1 ? json[0] ?? "" : throw Invalid("additionalDetails is given more than once.");
            if (text.Length > MaxDetailsLength)
            {
                throw Invalid($"additionalDetails is longer than {MaxDetailsLength} characters.");
            }

            try
            {
                return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 8 }) as JsonObject
                    ?? throw Invalid("additionalDetails must be a JSON object.");
            }
            catch (JsonException)
            {
                throw Invalid("additionalDetails must be a JSON object.");
            }
        }

        var pairs = query.Where(p => p.Key.StartsWith(DetailsPrefix, StringComparison.Ordinal) && p.Key.EndsWith(']')).ToList();
        if (pairs.Count == 0)
        {
            return null;
        }

        var details = new JsonObject();
        var length = 0;
        foreach (var (key, values) in pairs)
        {
            var name = key[DetailsPrefix.Length..^1];
            var value = values.Count == 1 ? values[0] ?? "" : throw Invalid($"{key} is given more than once.");
            length += name.Length + value.Length;
            if (name.Length == 0 || name.Contains('[') || length > MaxDetailsLength)
            {
                throw Invalid("additionalDetails must be a flat object of at most 2048 characters.");
            }

            details[name] = value;
        }

        return details;
    }

    private static InvalidRequestException Invalid(string detail) => new(detail);
}
