using System.Globalization;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace Collab.Boards.Storage;

/// <summary>
/// Everything a board keeps in Blob Storage, all under <c>boards/{boardId}/</c> of the <see cref="Container"/>:
/// metadata and people (small JSON blobs written under ETag conditions), the background image, snapshots (one block
/// blob per seq), and the names of the log segments; beside the boards, the activity index under <c>activity/</c>.
/// Every blob name is made here.
/// </summary>
public sealed partial class BoardStore : IBoardSnapshots
{
    /// <summary>The container of every board; a constant because <c>[BlobOutput]</c> paths must name it literally.</summary>
    public const string Container = "whiteboards";

    /// <summary>The snapshot blob path with the <c>{boardId}</c> and <c>{seq}</c> binding expressions a <c>[BlobOutput]</c> resolves.</summary>
    public const string SnapshotBindingPath = Container + "/" + BoardsPrefix + "{boardId}/snapshots/{seq}.json";

    private const string BoardsPrefix = "boards/";
    private const int MaxAttempts = 5;

    private readonly BlobServiceClient _blobs;
    private readonly ILogger<BoardStore> _logger;

    /// <summary>Creates the store over <paramref name="blobs"/>.</summary>
    public BoardStore(BlobServiceClient blobs, ILogger<BoardStore> logger)
    {
        _blobs = blobs;
        _logger = logger;
    }

    private BlobContainerClient Blobs => _blobs.GetBlobContainerClient(Container);

    /// <summary>The board's metadata.</summary>
    public static string Metadata(string boardId) => $"{BoardsPrefix}{boardId}/meta.json";

    /// <summary>Display names of everyone who has joined, for presence.</summary>
    public static string People(string boardId) => $"{BoardsPrefix}{boardId}/people.json";

    /// <summary>The background image.</summary>
    public static string Background(string boardId) => $"{BoardsPrefix}{boardId}/background";

    /// <summary>The prefix of the log segments.</summary>
    public static string LogPrefix(string boardId) => $"{BoardsPrefix}{boardId}/log/";

    /// <summary>The log segment (append blob) whose first operation is <paramref name="firstSeq"/>, zero-padded so names sort.</summary>
    public static string LogSegment(string boardId, long firstSeq) => LogPrefix(boardId) + firstSeq.ToString("D12", CultureInfo.InvariantCulture) + ".jsonl";

    /// <summary>The prefix of the snapshots.</summary>
    public static string SnapshotPrefix(string boardId) => $"{BoardsPrefix}{boardId}/snapshots/";

    /// <summary>The snapshot at <paramref name="seq"/>, named by its plain seq as <see cref="SnapshotBindingPath"/> writes it.</summary>
    public static string Snapshot(string boardId, long seq) => SnapshotPrefix(boardId) + seq.ToString(CultureInfo.InvariantCulture) + ".json";

    /// <summary>The number in a segment or snapshot blob name, or null when the name is not one.</summary>
    public static long? NumberIn(string blobName, string prefix, string extension)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (!blobName.StartsWith(prefix, StringComparison.Ordinal) || !blobName.EndsWith(extension, StringComparison.Ordinal))
        {
            return null;
        }

        var digits = blobName.AsSpan(prefix.Length, blobName.Length - prefix.Length - extension.Length);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 0 ? number : null;
    }
}
