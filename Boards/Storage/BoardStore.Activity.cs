using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs.Models;
using Collab.Boards.Model;

namespace Collab.Boards.Storage;

/// <summary>
/// The activity index as empty marker blobs, <c>activity/{bucket}/{boardId}</c>, one per board per time bucket in
/// which it committed. Chosen over blob index tags (which Azurite 3.37 also supports, Find Blobs by Tags included)
/// because a marker is a plain blob: listing by prefix is strongly consistent where the tag index is updated
/// asynchronously; new activity lands in a new bucket's name rather than updating a tag the timer is about to clear,
/// so clearing cannot lose a commit; names sort by bucket, so the timer reads only closed buckets and stops; and it
/// works on every account kind (index tags do not on hierarchical-namespace accounts). Cost: one small write per
/// active board per bucket, one list request per 5,000 markers, and one delete per marker visited.
/// </summary>
public sealed partial class BoardStore : IBoardActivity
{
    private const string ActivityPrefix = "activity/";
    private const string BucketFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The marker of <paramref name="boardId"/>'s activity in the bucket starting at <paramref name="bucket"/>; names sort by bucket.</summary>
    public static string ActivityMarkerName(string boardId, DateTimeOffset bucket) =>
        ActivityPrefix + bucket.UtcDateTime.ToString(BucketFormat, CultureInfo.InvariantCulture) + "/" + boardId;

    /// <inheritdoc />
    public async Task MarkActiveAsync(string boardId, DateTimeOffset bucket, CancellationToken cancellationToken) =>
        // If-None-Match: a marker another instance wrote is left alone, and losing that race is success.
        await Blobs.TryUploadJsonAsync(ActivityMarkerName(boardId, bucket), BinaryData.Empty, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ActivityMarker> ListMarkersAsync(DateTimeOffset before, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ListingOrEmpty(Blobs.GetBlobsAsync(new GetBlobsOptions { Prefix = ActivityPrefix }, cancellationToken), cancellationToken))
        {
            if (MarkerIn(item.Name) is not { } marker)
            {
                continue;
            }

            // Names sort by bucket: the first open bucket ends the closed ones.
            if (marker.Bucket >= before)
            {
                yield break;
            }

            yield return marker;
        }
    }

    /// <inheritdoc />
    public async Task ClearAsync(ActivityMarker marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        await Blobs.GetBlobClient(ActivityMarkerName(marker.BoardId, marker.Bucket)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }

    // Before the first board, the container does not exist: its listing is empty, not an error.
    private static async IAsyncEnumerable<T> ListingOrEmpty<T>(IAsyncEnumerable<T> listing, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = listing.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await items.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    yield break;
                }

                yield return items.Current;
            }
        }
        finally
        {
            await items.DisposeAsync();
        }
    }

    private static ActivityMarker? MarkerIn(string blobName)
    {
        var parts = blobName.Split('/');
        return parts.Length == 3
            && DateTimeOffset.TryParseExact(parts[1], BucketFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var bucket)
            && BoardId.IsValid(parts[2])
            ? new ActivityMarker(parts[2], bucket)
            : null;
    }
}
