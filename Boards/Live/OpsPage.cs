using Collab.Boards.Model;

namespace Collab.Boards.Live;

/// <summary>The body of <c>GET /api/boards/{id}/ops?after=</c>.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Ops">Operations after the requested seq, in order, at most one page.</param>
/// <param name="LastSeq">The board's last seq; when it is beyond the last op returned, ask again with <c>after</c> = that op's seq.</param>
public sealed record OpsPage(string BoardId, IReadOnlyList<LoggedOperation> Ops, long LastSeq);
