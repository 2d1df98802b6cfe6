using System.Diagnostics;
using Collab.Boards.Telemetry;
using Collab.Functions.Http;
using Collab.Functions.Identity;
using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Tokens;

/// <summary>
/// The token endpoints: each mints a credential for the signed-in caller only, scoped to the least it needs. All are
/// anonymous at the Functions level because App Service Authentication admits the caller, and
/// <see cref="SignedInAttribute"/> makes the pipeline refuse requests without its principal. Each minting is a
/// <c>collab.token</c> span.
/// </summary>
public sealed class TokensApi(AcsTokenService acs, WebPubSubTokenIssuer webPubSub, FluidTokenIssuer fluid, CollabTelemetry telemetry)
{
    private const int MaxAcsBodyBytes = 4096;
    private const int MaxTeamsBodyBytes = 20 * 1024;

    /// <summary><c>POST /api/acs/token</c>: an ACS token for the caller's own ACS identity, created on the first call.</summary>
    [Function("AcsToken")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> AcsToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "acs/token")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadAsync<AcsTokenRequest>(request, MaxAcsBodyBytes, cancellationToken);
        var user = context.GetSignedInUser();
        using var span = TokenSpan("acs", user);
        return new OkObjectResult(await acs.IssueAsync(user, body?.Scopes, cancellationToken));
    }

    /// <summary>
    /// <c>POST /api/acs/token/teams</c> <c>{"token","appId","userId"}</c>: a Teams user's Entra token exchanged for an
    /// ACS token <c>{token, expiresOn}</c> (shared/protocols/acs-chat-rooms.md §9).
    /// </summary>
    [Function("AcsTeamsToken")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> AcsTeamsToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "acs/token/teams")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await JsonRequestBody.ReadAsync<TeamsTokenRequest>(request, MaxTeamsBodyBytes, cancellationToken);
        using var span = TokenSpan("teams", null);
        return new OkObjectResult(await acs.ExchangeTeamsTokenAsync(body, cancellationToken));
    }

    /// <summary><c>DELETE /api/acs/identity</c>: forgets and deletes the caller's ACS identity; 204, idempotent.</summary>
    [Function("DeleteAcsIdentity")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> DeleteAcsIdentity(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "acs/identity")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        await acs.DeleteIdentityAsync(context.GetSignedInUser(), cancellationToken);
        return new NoContentResult();
    }

    /// <summary><c>POST /api/boards/{boardId}/negotiate</c>: a Web PubSub client URL that admits the caller to one board it may open.</summary>
    [Function("Negotiate")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> Negotiate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "boards/{boardId}/negotiate")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        using var span = TokenSpan("web-pubsub", user)?.SetTag(CollabTelemetry.Tags.BoardId, boardId);
        return new OkObjectResult(await webPubSub.NegotiateAsync(user, boardId, cancellationToken));
    }

    /// <summary>
    /// <c>GET /api/fluid/token</c>: the Fluid client's token-provider contract, answering the raw JWT as text/plain
    /// (shared/protocols/fluid-relay.md §6).
    /// </summary>
    [Function("FluidToken")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> FluidToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fluid/token")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        using var span = TokenSpan("fluid", user);
        return new ContentResult
        {
            Content = await fluid.IssueAsync(user, FluidTokenRequest.FromQuery(request.Query), cancellationToken),
            ContentType = "text/plain; charset=utf-8",
            StatusCode = StatusCodes.Status200OK,
        };
    }

    private Activity? TokenSpan(string kind, SignedInUser? user)
    {
        var span = telemetry.Start(CollabTelemetry.Spans.Token)?.SetTag(CollabTelemetry.Tags.TokenKind, kind);
        return user is null ? span : span?.SetTag(CollabTelemetry.Tags.UserHash, CollabTelemetry.UserHash(user.UserId));
    }
}
