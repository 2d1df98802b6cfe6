using Collab.Boards.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary>
/// The outputs of <see cref="BoardsApi.CreateSnapshot"/>: the HTTP response, and the snapshot the host writes to
/// <see cref="BoardStore.SnapshotBindingPath"/>. A request that fails returns no outputs, so nothing is written.
/// </summary>
public sealed class SnapshotOutput
{
    /// <summary>The HTTP response.</summary>
    [HttpResult]
    public required IActionResult Result { get; init; }

    /// <summary>The snapshot's content (see <see cref="SnapshotFormat"/>).</summary>
    [BlobOutput(BoardStore.SnapshotBindingPath)]
    public required string Snapshot { get; init; }
}
