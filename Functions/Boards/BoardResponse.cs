using Collab.Boards.Model;

namespace Collab.Functions.Boards;

/// <summary>The body of <c>GET /api/boards/{boardId}</c>: metadata and the state (now, or at <c>atSeq</c>).</summary>
/// <param name="Board">The metadata, including the call id.</param>
/// <param name="State">Shapes, background, chat and the seq they reflect.</param>
public sealed record BoardResponse(BoardMetadata Board, BoardStateDocument State);
