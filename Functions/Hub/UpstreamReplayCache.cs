using Collab.Boards.Errors;
using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Hub;

/// <summary>
/// The upstream events this instance answered, by (connection id, <c>ce-id</c>), with a hash of what each request
/// said (its body and the headers that give the body meaning) and the answer. The service retries an event with the
/// same <c>ce-id</c> (shared/protocols/web-pubsub.md §4.9), so a repeat with the same hash gets exactly the first
/// answer without running again; a repeat with another hash is someone replaying a captured request with a changed
/// body, user or state, and is refused with 409. An attempt that failed in a way the service retries (5xx, a
/// dependency down, a bug) is forgotten, so its retry runs.
/// </summary>
/// <remarks>
/// Per instance: a repeat that reaches another scaled-out instance is not recognised here; the sealed connection
/// state and the board's (author, opId) deduplication still hold there. Budget: an entry is kept for twice the
/// accepted <c>ce-time</c> skew (an event may arrive that early and be repeated that late with the same
/// <c>ce-time</c>), and at most <see cref="Capacity"/> entries (a few hundred bytes each), the oldest leaving first when
/// a flood exceeds it.
/// </remarks>
public sealed class UpstreamReplayCache(TimeSpan lifetime, TimeProvider time, ILogger logger)
{
    /// <summary>The most events remembered.</summary>
    public const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string ConnectionId, string EventId), Entry> _entries = [];
    private readonly Queue<((string ConnectionId, string EventId) Key, Entry Entry)> _order = new();

    /// <summary>Runs <paramref name="handle"/> for the first request of an event and answers its repeats as it answered the first.</summary>
    /// <param name="connectionId"><c>ce-connectionId</c>.</param>
    /// <param name="eventId"><c>ce-id</c>.</param>
    /// <param name="fingerprint">A hash of what the request says, the same for the service's retries.</param>
    /// <param name="response">The response, whose <c>ce-connectionState</c> header is part of the answer.</param>
    /// <param name="handle">What the first request does; a <see cref="CollabException"/> it throws is its answer.</param>
    /// <param name="cancellationToken">Stops waiting for a first request still running.</param>
    /// <exception cref="ConflictException">The event id was used before on this connection by a request that said something else.</exception>
    public async Task<IActionResult> RunOnceAsync(string connectionId, string eventId, byte[] fingerprint, HttpResponse response, Func<Task<IActionResult>> handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(handle);
        var key = (connectionId, eventId);
        while (true)
        {
            var mine = new Entry(fingerprint, time.GetUtcNow());
            Entry first;
            lock (_gate)
            {
                Evict(mine.Seen);
                if (!_entries.TryGetValue(key, out first!))
                {
                    _entries[key] = first = mine;
                    _order.Enqueue((key, mine));
                }
            }

            if (first != mine)
            {
                if (!first.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    logger.LogWarning("Refused an upstream event for connection {ConnectionId}: event id {EventId} was used before by a different request", connectionId, eventId);
                    throw new ConflictException("This event id was already used on this connection by a different request.");
                }

                if (await first.Answer.Task.WaitAsync(cancellationToken) is { } answer)
                {
                    if (answer.State is not null)
                    {
                        response.Headers["ce-connectionState"] = answer.State;
                    }

                    logger.LogInformation("Answered a repeat of upstream event {EventId} of connection {ConnectionId} as the first time", eventId, connectionId);
                    return answer.Result;
                }

                // The first attempt failed in a way the service retries, and was forgotten: this one runs.
                continue;
            }

            try
            {
                var result = await handle();
                mine.Answer.SetResult(new Answer(result, response.Headers.TryGetValue("ce-connectionState", out var state) ? state.ToString() : null));
                return result;
            }
            catch (CollabException refused) when (refused is not UnavailableException)
            {
                // The same problem the pipeline writes for the exception.
                mine.Answer.SetResult(new Answer(ProblemResult.From(refused), null));
                throw;
            }
            catch
            {
                lock (_gate)
                {
                    if (_entries.TryGetValue(key, out var current) && current == mine)
                    {
                        _entries.Remove(key);
                    }
                }

                mine.Answer.SetResult(null);
                throw;
            }
        }
    }

    private void Evict(DateTimeOffset now)
    {
        while (_order.TryPeek(out var oldest) && (_order.Count > Capacity || now - oldest.Entry.Seen > lifetime))
        {
            _order.Dequeue();
            if (_entries.TryGetValue(oldest.Key, out var current) && current == oldest.Entry)
            {
                _entries.Remove(oldest.Key);
            }
        }
    }

    private sealed class Entry(byte[] fingerprint, DateTimeOffset seen)
    {
        public byte[] Fingerprint { get; } = fingerprint;

        public DateTimeOffset Seen { get; } = seen;

        /// <summary>The first request's answer; null when it failed and was forgotten.</summary>
        public TaskCompletionSource<Answer?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Answer(IActionResult Result, string? State);
}
