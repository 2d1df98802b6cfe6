using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Collab.Boards.Live;
using Collab.Boards.Model;

namespace Collab.Boards.Telemetry;

/// <summary>
/// Collab's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <see cref="Name"/>, with the
/// instruments every layer records to. It lives in the engine so the engine and the functions share it without a
/// hosting dependency; the worker exports it when an exporter is configured (<c>Functions/Telemetry</c>), and with no
/// listener a span is never created and a measurement costs a check. Attributes name boards, sequence numbers,
/// operation kinds and <see cref="UserHash"/>es: never a token, key, secret or display name.
/// </summary>
public sealed class CollabTelemetry : IDisposable
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Collab";

    private readonly Counter<long> _committed;
    private readonly Histogram<double> _commitLatency;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<int> _connections;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _dependencyFailures;

    /// <summary>Creates the source and the meter (owned by <paramref name="meters"/>, which disposes it).</summary>
    public CollabTelemetry(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Source = new ActivitySource(Name);
        Meter = meters.Create(new MeterOptions(Name));
        _committed = Meter.CreateCounter<long>(Metrics.OperationsCommitted, "{operation}", "Operations committed to board logs, by collab.op.kind.");
        _commitLatency = Meter.CreateHistogram<double>(Metrics.CommitDuration, "ms", "From queueing an operation to its commit (or its earlier commit, for a retry).");
        _batchSize = Meter.CreateHistogram<int>(Metrics.BatchSize, "{operation}", "Operations appended by one group commit.");
        _connections = Meter.CreateHistogram<int>(Metrics.BoardConnections, "{connection}", "Connections on a board, recorded each time its presence changes.");
        _refusals = Meter.CreateCounter<long>(Metrics.Refusals, "{request}", "Requests refused, by reason (auth, validation, rate-limit, quota, not-found, conflict).");
        _dependencyFailures = Meter.CreateCounter<long>(Metrics.DependencyFailures, "{failure}", "Calls to a dependency that failed, by dependency (storage, web-pubsub, acs, fluid).");
    }

    /// <summary>The activity source: spans of event handling, token minting, ACS calls, snapshots, loads and timers.</summary>
    public ActivitySource Source { get; }

    /// <summary>The meter of every Collab metric.</summary>
    public Meter Meter { get; }

    /// <summary>Starts a span named <paramref name="name"/> (one of <see cref="Spans"/>) under the current one; null when nobody listens.</summary>
    public Activity? Start(string name, ActivityKind kind = ActivityKind.Internal) => Source.StartActivity(name, kind);

    /// <summary>
    /// A short, stable stand-in for a user id on spans (<c>collab.user.hash</c>): the first 8 bytes of its SHA-256, in
    /// hex, enough to correlate one user's requests without carrying the id itself.
    /// </summary>
    public static string UserHash(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(userId), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>The wire name of an operation's kind (<c>collab.op.kind</c>), as clients send it.</summary>
    public static string KindOf(BoardOperation operation) => operation switch
    {
        AddShape => AddShape.Name,
        UpdateShape => UpdateShape.Name,
        RemoveShape => RemoveShape.Name,
        ClearShapes => ClearShapes.Name,
        SetBackground => SetBackground.Name,
        PostChat => PostChat.Name,
        _ => "unknown",
    };

    /// <summary>Counts an operation committed to a board's log.</summary>
    public void OperationCommitted(string kind) => _committed.Add(1, new KeyValuePair<string, object?>(Tags.OpKind, kind));

    /// <summary>Records how long one operation took from queueing to commit.</summary>
    public void CommitTook(TimeSpan duration) => _commitLatency.Record(duration.TotalMilliseconds);

    /// <summary>Records the size of one group commit's append.</summary>
    public void BatchAppended(int operations) => _batchSize.Record(operations);

    /// <summary>Records how many connections a board has now, from its presence.</summary>
    public void BoardConnections(int connections) => _connections.Record(connections);

    /// <summary>Counts a refused request; <paramref name="reason"/> is one of <see cref="Reasons"/>.</summary>
    public void Refused(string reason)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>(Tags.Reason, reason));
        Activity.Current?.SetTag(Tags.Reason, reason);
    }

    /// <summary>Counts a failed call to <paramref name="dependency"/> (one of <see cref="Dependencies"/>) and marks the current span failed.</summary>
    public void DependencyFailed(string dependency)
    {
        _dependencyFailures.Add(1, new KeyValuePair<string, object?>(Tags.Dependency, dependency));
        Activity.Current?.SetStatus(ActivityStatusCode.Error, dependency + " failed");
    }

    /// <summary>Publishes what <paramref name="usage"/> reports about the boards held in memory, read when metrics are collected.</summary>
    public void ObserveLiveBoards(Func<LiveBoardsUsage> usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        Meter.CreateObservableGauge(Metrics.LiveBoards, () => usage().LoadedBoards, "{board}", "Boards held in memory by this instance.");
        Meter.CreateObservableGauge(Metrics.LoadedBytes, () => usage().EstimatedBytes, "By", "Estimated bytes of the boards held in memory.");
        Meter.CreateObservableCounter(
            Metrics.Evictions,
            () =>
            {
                var now = usage();
                return new[]
                {
                    new Measurement<long>(now.IdleEvictions, new KeyValuePair<string, object?>(Tags.Reason, "idle")),
                    new Measurement<long>(now.BoardBudgetEvictions, new KeyValuePair<string, object?>(Tags.Reason, "board-budget")),
                    new Measurement<long>(now.ByteBudgetEvictions, new KeyValuePair<string, object?>(Tags.Reason, "byte-budget")),
                };
            },
            "{board}",
            "Boards unloaded since start, by reason.");
    }

    /// <inheritdoc />
    public void Dispose() => Source.Dispose();

    /// <summary>Span names.</summary>
    public static class Spans
    {
        /// <summary>One upstream Web PubSub event, under the invocation of the event handler.</summary>
        public const string Event = "collab.event";

        /// <summary>Whether a connection or an operation is admitted: the board, the user's role, the rate and connection limits.</summary>
        public const string Admission = "collab.admission";

        /// <summary>Reading an operation's body into a typed operation.</summary>
        public const string Validation = "collab.validation";

        /// <summary>One operation's commit, from queueing to its sequence number.</summary>
        public const string Commit = "collab.commit";

        /// <summary>One group commit: the batch, its append attempts and conflicts.</summary>
        public const string CommitBatch = "collab.commit.batch";

        /// <summary>Sending a batch's operations to the board's group.</summary>
        public const string Broadcast = "collab.broadcast";

        /// <summary>Presence after a connection came or went.</summary>
        public const string Presence = "collab.presence";

        /// <summary>Loading a board into memory: its latest snapshot (if any) and the log after it.</summary>
        public const string Load = "collab.load";

        /// <summary>Writing a board's snapshot.</summary>
        public const string Snapshot = "collab.snapshot";

        /// <summary>Minting a client token (<c>collab.token.kind</c>).</summary>
        public const string Token = "collab.token";

        /// <summary>One call to the ACS REST API, with its retries.</summary>
        public const string AcsRequest = "collab.acs.request";

        /// <summary>One run of a timer function (<c>collab.timer</c>).</summary>
        public const string Timer = "collab.timer";
    }

    /// <summary>Attribute and metric dimension names.</summary>
    public static class Tags
    {
        /// <summary>The board.</summary>
        public const string BoardId = "collab.board.id";

        /// <summary>The sequence number an operation was committed as.</summary>
        public const string Seq = "collab.seq";

        /// <summary>The operation's kind, as <see cref="KindOf"/>.</summary>
        public const string OpKind = "collab.op.kind";

        /// <summary>The user, as <see cref="UserHash"/>.</summary>
        public const string UserHash = "collab.user.hash";

        /// <summary>The upstream event's name (<c>connect</c>, <c>addShape</c>, ...).</summary>
        public const string EventName = "collab.event.name";

        /// <summary>Whether an operation was committed before (a retry).</summary>
        public const string Duplicate = "collab.duplicate";

        /// <summary>Operations in a group commit.</summary>
        public const string BatchSize = "collab.batch.size";

        /// <summary>Conditional appends a group commit tried.</summary>
        public const string AppendAttempts = "collab.append.attempts";

        /// <summary>Appends that lost to another writer.</summary>
        public const string Conflicts = "collab.append.conflicts";

        /// <summary>Where a load started: <c>snapshot</c> or <c>log</c> (the whole log replayed).</summary>
        public const string LoadSource = "collab.load.source";

        /// <summary>Operations replayed from the log by a load.</summary>
        public const string OpsReplayed = "collab.ops.replayed";

        /// <summary>Which token: <c>acs</c>, <c>teams</c>, <c>web-pubsub</c>, <c>fluid</c>.</summary>
        public const string TokenKind = "collab.token.kind";

        /// <summary>The ACS operation (method and path template, never the query).</summary>
        public const string AcsOperation = "collab.acs.operation";

        /// <summary>Attempts one ACS call took.</summary>
        public const string Attempts = "collab.attempts";

        /// <summary>Which timer ran.</summary>
        public const string Timer = "collab.timer";

        /// <summary>Why a request was refused, one of <see cref="Reasons"/>.</summary>
        public const string Reason = "reason";

        /// <summary>Which dependency failed, one of <see cref="Dependencies"/>.</summary>
        public const string Dependency = "dependency";
    }

    /// <summary>Metric names.</summary>
    public static class Metrics
    {
        /// <summary>Counter of committed operations, by <see cref="Tags.OpKind"/>.</summary>
        public const string OperationsCommitted = "collab.operations.committed";

        /// <summary>Histogram of commit latency in milliseconds.</summary>
        public const string CommitDuration = "collab.commit.duration";

        /// <summary>Histogram of group-commit batch sizes.</summary>
        public const string BatchSize = "collab.commit.batch_size";

        /// <summary>Histogram of connections per board, from presence.</summary>
        public const string BoardConnections = "collab.board.connections";

        /// <summary>Counter of refusals, by <see cref="Tags.Reason"/>.</summary>
        public const string Refusals = "collab.refusals";

        /// <summary>Counter of dependency failures, by <see cref="Tags.Dependency"/>.</summary>
        public const string DependencyFailures = "collab.dependency.failures";

        /// <summary>Gauge of boards held in memory.</summary>
        public const string LiveBoards = "collab.boards.live";

        /// <summary>Gauge of the estimated bytes of boards held in memory.</summary>
        public const string LoadedBytes = "collab.boards.loaded_bytes";

        /// <summary>Observable counter of board evictions, by <see cref="Tags.Reason"/>.</summary>
        public const string Evictions = "collab.boards.evictions";
    }

    /// <summary>The values of <see cref="Tags.Reason"/> on refusals.</summary>
    public static class Reasons
    {
        /// <summary>Not signed in, not signed by the service, or not allowed (401, 403).</summary>
        public const string Auth = "auth";

        /// <summary>Malformed input (400, 415).</summary>
        public const string Validation = "validation";

        /// <summary>Over a rate or connection limit (429).</summary>
        public const string RateLimit = "rate-limit";

        /// <summary>Over a size cap (413).</summary>
        public const string Quota = "quota";

        /// <summary>The named thing does not exist (404).</summary>
        public const string NotFound = "not-found";

        /// <summary>Conflicts with what exists (409).</summary>
        public const string Conflict = "conflict";
    }

    /// <summary>The values of <see cref="Tags.Dependency"/> on dependency failures.</summary>
    public static class Dependencies
    {
        /// <summary>Blob Storage.</summary>
        public const string Storage = "storage";

        /// <summary>The Web PubSub REST data plane.</summary>
        public const string WebPubSub = "web-pubsub";

        /// <summary>Azure Communication Services.</summary>
        public const string Acs = "acs";

        /// <summary>Azure Fluid Relay.</summary>
        public const string Fluid = "fluid";
    }
}
