using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Communication;

/// <summary>The board's chat thread and room, for a caller the board admits (<see cref="BoardCommunication"/>).</summary>
public sealed class BoardCommunicationApi(BoardCommunication communication)
{
    /// <summary><c>POST /api/boards/{boardId}/chat</c>: <c>{threadId, endpoint}</c>; the caller is a participant of the board's thread.</summary>
    [Function("BoardChat")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> Chat(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "boards/{boardId}/chat")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await communication.JoinChatAsync(context.GetSignedInUser(), boardId, cancellationToken));

    /// <summary>
    /// <c>GET /api/boards/{boardId}/chat/messages</c>: <c>{messages:[…]}</c>, the thread's newest messages read by the
    /// controller, for any caller the board admits (viewers, who are not participants, read the chat this way).
    /// </summary>
    [Function("BoardChatMessages")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> ChatMessages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boards/{boardId}/chat/messages")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await communication.ReadChatAsync(context.GetSignedInUser(), boardId, cancellationToken));

    /// <summary><c>POST /api/boards/{boardId}/call</c>: <c>{roomId, role, validUntil}</c>; the caller is a participant of the board's room.</summary>
    [Function("BoardCall")]
    [SignedIn]
    [RateLimited]
    public async Task<IActionResult> Call(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "boards/{boardId}/call")] HttpRequest request,
        string boardId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new OkObjectResult(await communication.JoinCallAsync(context.GetSignedInUser(), boardId, cancellationToken));
}
