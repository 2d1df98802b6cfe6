namespace Collab.Functions.Tokens;

/// <summary>The optional body of <c>POST /api/acs/token</c>.</summary>
public sealed class AcsTokenRequest
{
    /// <summary>A subset of the configured scopes; all of them when absent.</summary>
    public string[]? Scopes { get; set; }
}
