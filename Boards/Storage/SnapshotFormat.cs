using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Collab.Boards.Model;

namespace Collab.Boards.Storage;

/// <summary>
/// The bytes of a snapshot: a header line (<c>format</c>, <c>boardId</c>, <c>seq</c>, log position, <c>sha256</c> of
/// the body) and the body (<c>state</c>, <c>recentOps</c>). A snapshot whose body does not match its hash, or that
/// does not parse, is torn and is never loaded, whatever wrote it.
/// </summary>
public static class SnapshotFormat
{
    private const int Version = 1;

    /// <summary>Serialises a snapshot; the same snapshot always gives the same bytes.</summary>
    public static byte[] Write(BoardSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Body(snapshot.State, snapshot.RecentOps), BoardJson.Options);
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new Header(Version, snapshot.BoardId, snapshot.State.Seq, snapshot.SegmentStart, snapshot.SegmentOffset, Convert.ToHexStringLower(SHA256.HashData(body))),
            BoardJson.Options);
        return [.. header, (byte)'\n', .. body];
    }

    /// <summary>Reads a snapshot of <paramref name="boardId"/> at <paramref name="seq"/>.</summary>
    /// <returns>Null when the content is torn, corrupt or belongs elsewhere.</returns>
    public static BoardSnapshot? Read(ReadOnlySpan<byte> content, string boardId, long seq)
    {
        var newline = content.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return null;
        }

        try
        {
            var header = JsonSerializer.Deserialize<Header>(content[..newline], BoardJson.Options);
            var body = content[(newline + 1)..];
            if (header is null || header.Format != Version || header.BoardId != boardId || header.Seq != seq
                || !string.Equals(header.Sha256, Convert.ToHexStringLower(SHA256.HashData(body)), StringComparison.Ordinal))
            {
                return null;
            }

            var parsed = JsonSerializer.Deserialize<Body>(body, BoardJson.Options);
            return parsed is null || parsed.State.Seq != seq
                ? null
                : new BoardSnapshot(boardId, parsed.State, parsed.RecentOps, header.SegmentStart, header.SegmentOffset);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            // NotSupportedException: a shape whose kind is missing or unknown.
            return null;
        }
    }

    /// <summary>The content as the <c>[BlobOutput]</c> string property carries it.</summary>
    public static string WriteString(BoardSnapshot snapshot) => Encoding.UTF8.GetString(Write(snapshot));

    private sealed record Header(int Format, string BoardId, long Seq, long SegmentStart, long SegmentOffset, string Sha256);

    private sealed record Body(BoardStateDocument State, IReadOnlyList<RecentOperation> RecentOps);
}
