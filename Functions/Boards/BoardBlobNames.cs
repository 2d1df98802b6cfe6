using System.Globalization;

namespace Collab.Functions.Boards;

/// <summary>Where each part of a board lives in the <c>whiteboards</c> container, all under <c>boards/{boardId}/</c>.</summary>
public static class BoardBlobNames
{
    /// <summary>The board's metadata.</summary>
    public static string Metadata(string boardId) => $"boards/{boardId}/meta.json";

    /// <summary>Display names of everyone who has joined, for presence.</summary>
    public static string People(string boardId) => $"boards/{boardId}/people.json";

    /// <summary>The background image.</summary>
    public static string Background(string boardId) => $"boards/{boardId}/background";

    /// <summary>The prefix of the log segments.</summary>
    public static string LogPrefix(string boardId) => $"boards/{boardId}/log/";

    /// <summary>The log segment (append blob) whose first operation is <paramref name="firstSeq"/>, zero-padded so names sort.</summary>
    public static string LogSegment(string boardId, long firstSeq) => LogPrefix(boardId) + firstSeq.ToString("D12", CultureInfo.InvariantCulture) + ".jsonl";

    /// <summary>The prefix of the snapshots.</summary>
    public static string SnapshotPrefix(string boardId) => $"boards/{boardId}/snapshots/";

    /// <summary>The snapshot at <paramref name="seq"/>, named by its plain seq as the <c>[BlobOutput]</c> path writes it.</summary>
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
