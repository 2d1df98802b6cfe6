using Collab.Functions.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary>
/// The outputs of <see cref="CreateSnapshotFunction"/>: the HTTP response, and the snapshot the host writes to
/// <c>whiteboards/boards/{boardId}/snapshots/{seq}.json</c> (nothing is written when it is null).
/// </summary>
public sealed class SnapshotOutput
{
    /// <summary>The blob path; <c>{boardId}</c> comes from the route, <c>{seq}</c> from the query.</summary>
    public const string BlobPath = BoardsOptions.Container + "/boards/{boardId}/snapshots/{seq}.json";

    /// <summary>The HTTP response.</summary>
    [HttpResult]
    public required IActionResult Result { get; init; }

    /// <summary>The snapshot's content (see <see cref="SnapshotFormat"/>), or null when nothing is to be written.</summary>
    [BlobOutput(BlobPath)]
    public string? Snapshot { get; init; }
}
