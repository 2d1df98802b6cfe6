using System.Security.Claims;
using Collab.Functions.Identity;
using ModelContextProtocol.Protocol;

namespace Collab.Functions.Mcp;

/// <summary>
/// Who calls a tool: the signed-in user (the Easy Auth principal, handed to the MCP SDK as the request's
/// <see cref="ClaimsPrincipal"/>, which it passes to every handler) and the agent acting for them, named by the MCP
/// <c>clientInfo</c>.
/// </summary>
public static class McpCaller
{
    /// <summary>The longest agent name recorded; longer names are cut.</summary>
    public const int MaxAgentLength = 64;

    /// <summary>The name recorded for a client that sent no <c>clientInfo</c>.</summary>
    public const string UnnamedAgent = "unnamed agent";

    private const string ProviderClaim = "idp";

    /// <summary>The principal the SDK sees for <paramref name="user"/>.</summary>
    public static ClaimsPrincipal ToPrincipal(SignedInUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.UserId), new Claim(ClaimTypes.Name, user.Name), new Claim(ProviderClaim, user.IdentityProvider)],
            authenticationType: "EasyAuth"));
    }

    /// <summary>The user <see cref="ToPrincipal"/> described, or null for any other principal.</summary>
    public static SignedInUser? UserOf(ClaimsPrincipal? principal) =>
        principal?.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } userId
            ? new SignedInUser(userId, principal.FindFirst(ClaimTypes.Name)?.Value ?? userId, principal.FindFirst(ProviderClaim)?.Value ?? "")
            : null;

    /// <summary>The agent's name from its <c>clientInfo</c>: the name without control characters, at most <see cref="MaxAgentLength"/> characters.</summary>
    public static string AgentOf(Implementation? client)
    {
        var name = new string((client?.Name ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name.Length == 0 ? UnnamedAgent : name.Length <= MaxAgentLength ? name : name[..MaxAgentLength];
    }
}
