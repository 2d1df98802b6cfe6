using System.Globalization;
using Collab.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Boards;

/// <summary>
/// <c>POST /api/boards/{boardId}/snapshots?seq=N</c>: snapshots the board at N (the last seq the client has seen is
/// "now") through a <c>[BlobOutput]</c>. The blob is named by its seq, so the host needs <c>seq</c> in the query to
/// bind the path; the content at a seq never changes, so writing it again is harmless.
/// </summary>
public sealed class CreateSnapshotFunction(SignedInEndpoint endpoint, BoardService boards)
{
    /// <summary>Anonymous at the Functions level: App Service Authentication admits the caller.</summary>
    [Function("CreateSnapshot")]
    public async Task<SnapshotOutput> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "boards/{boardId}/snapshots")] HttpRequest request,
        string boardId,
        CancellationToken cancellationToken)
    {
        string? content = null;
        var result = await endpoint.RunAsync(request, "create-snapshot", async user =>
        {
            var seq = QueryNumber.Read(request.Query, "seq")
                ?? throw new ApiProblemException(ProblemResult.InvalidRequest("seq is required: the blob is named by it. Pass the board's last seq to snapshot it now."));
            var snapshot = await boards.SnapshotAtAsync(user, boardId, seq, cancellationToken);
            content = SnapshotFormat.WriteString(snapshot);
            var location = $"/api/boards/{boardId}/snapshots/{seq.ToString(CultureInfo.InvariantCulture)}";
            return new CreatedResult(location, new { boardId, seq, bytes = System.Text.Encoding.UTF8.GetByteCount(content) });
        });
        return new SnapshotOutput { Result = result, Snapshot = content };
    }
}
