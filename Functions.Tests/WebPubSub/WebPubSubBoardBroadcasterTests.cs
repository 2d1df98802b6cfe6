using System.Net;
using System.Text.Json;
using Collab.Boards.Model;
using Collab.Functions.Boards;
using Collab.Functions.WebPubSub;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.WebPubSub;

/// <summary>
/// The batch message on the wire (send-to-group, shared/protocols/web-pubsub.md §5): one REST call per committed
/// batch, split into several in-order messages only when the batch's entries would pass the message budget.
/// </summary>
public sealed class WebPubSubBoardBroadcasterTests
{
    [Fact]
    public async Task ABatch_IsOneSendToTheBoardsGroup_WithItsOpsInSeqOrder()
    {
        var (broadcaster, sent) = Broadcaster();

        await broadcaster.PublishAsync("b1", Operations(5, textLength: 10), CancellationToken.None);

        var (path, body) = Assert.Single(sent);
        Assert.Contains("/groups/board.b1/:send", path, StringComparison.Ordinal);
        using var message = JsonDocument.Parse(body);
        Assert.Equal("ops", message.RootElement.GetProperty("name").GetString());
        Assert.Equal([1L, 2, 3, 4, 5], message.RootElement.GetProperty("data").GetProperty("ops").EnumerateArray().Select(o => o.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task ABatchOfLargeOps_IsSplitIntoInOrderMessages_EachWithinTheBudget()
    {
        var (broadcaster, sent) = Broadcaster();

        // 12 chat messages of 60,000 characters: about 720 KB of entries, more than one message may carry.
        await broadcaster.PublishAsync("b1", Operations(12, textLength: 60_000), CancellationToken.None);

        Assert.True(sent.Count >= 2, $"{sent.Count} message(s)");
        var seqs = new List<long>();
        foreach (var (_, body) in sent)
        {
            Assert.True(body.Length <= WebPubSubBoardBroadcaster.MaxMessageBytes + 64, $"{body.Length} bytes");
            using var message = JsonDocument.Parse(body);
            Assert.Equal("ops", message.RootElement.GetProperty("name").GetString());
            seqs.AddRange(message.RootElement.GetProperty("data").GetProperty("ops").EnumerateArray().Select(o => o.GetProperty("seq").GetInt64()));
        }

        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task AnEmptyBatch_SendsNothing()
    {
        var (broadcaster, sent) = Broadcaster();

        await broadcaster.PublishAsync("b1", [], CancellationToken.None);

        Assert.Empty(sent);
    }

    private static List<LoggedOperation> Operations(int count, int textLength) =>
        Enumerable.Range(1, count).Select(i => new LoggedOperation(i, "op" + i, "alice", DateTimeOffset.UnixEpoch, new PostChat(new string('x', textLength)))).ToList();

    private static (WebPubSubBoardBroadcaster Broadcaster, List<(string Path, byte[] Body)> Sent) Broadcaster()
    {
        var sent = new List<(string, byte[])>();
        var options = Options.Create(new WebPubSubOptions
        {
            ConnectionString = "Endpoint=http://127.0.0.1:9;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
            Hub = "collab",
        });
        var http = new HttpClient(new RecordingHandler(sent));
        return (new WebPubSubBoardBroadcaster(new WebPubSubRestClient(http, options, TimeProvider.System)), sent);
    }

    /// <summary>Answers every request 202, as the service accepts a send, and keeps what was sent.</summary>
    private sealed class RecordingHandler(List<(string, byte[])> sent) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            sent.Add((request.RequestUri!.AbsolutePath, await request.Content!.ReadAsByteArrayAsync(cancellationToken)));
            return new HttpResponseMessage(HttpStatusCode.Accepted);
        }
    }
}
