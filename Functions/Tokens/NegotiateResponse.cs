namespace Collab.Functions.Tokens;

/// <summary>The body of <c>POST /api/boards/{boardId}/negotiate</c>.</summary>
/// <param name="Url">The WebSocket URL with its <c>access_token</c>, ready for <c>WebPubSubClient</c>.</param>
/// <param name="BoardId">The board the token admits to.</param>
/// <param name="UserId">The user the token names (<c>sub</c>).</param>
/// <param name="Role">The caller's role on the board: <c>owner</c>, <c>editor</c> or <c>viewer</c>.</param>
/// <param name="ExpiresOn">When the token stops admitting new connections.</param>
public sealed record NegotiateResponse(Uri Url, string BoardId, string UserId, string Role, DateTimeOffset ExpiresOn);
