using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Collab.Emulators.AcsIdentity;

namespace Collab.Emulators.AcsChat;

/// <summary>
/// The emulator's chat threads (at most <see cref="AcsChatEmulatorOptions.MaxThreads"/>; a deleted thread is forgotten),
/// message ids, and the remembered results of <c>repeatability-request-id</c>s (oldest forgotten first).
/// </summary>
public sealed class ChatStore(IOptions<AcsIdentityEmulatorOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ChatThread> _threads = new(StringComparer.Ordinal);
    private readonly Lock _addGate = new();
    private readonly Lock _repeatabilityGate = new();
    private readonly RepeatabilityResults<byte[]> _repeatability = new();
    private readonly Lock _idGate = new();
    private long _lastMessageId;

    /// <summary>How many threads exist.</summary>
    public int ThreadCount => _threads.Count;

    /// <summary>The current time.</summary>
    internal DateTimeOffset Now => time.GetUtcNow();

    internal AcsChatEmulatorOptions Options => options.Value.Chat;

    /// <summary>Every thread (a moment's snapshot).</summary>
    internal ICollection<ChatThread> Threads => _threads.Values;

    /// <summary>Adds a new thread; false when the emulator already holds its maximum.</summary>
    internal bool TryAdd(ChatThread thread)
    {
        // Creates without a repeatability-request-id do not pass through Once; the count check and the add are one step.
        lock (_addGate)
        {
            return _threads.Count < Options.MaxThreads && _threads.TryAdd(thread.Id, thread);
        }
    }

    internal ChatThread? Find(string threadId) => _threads.TryGetValue(threadId, out var thread) ? thread : null;

    internal void Remove(string threadId) => _threads.TryRemove(threadId, out _);

    /// <summary>A new thread id of the service's form <c>19:&lt;32 hex&gt;@thread.v2</c> (§5).</summary>
    internal static string NewThreadId() => $"19:{Guid.NewGuid():N}@thread.v2";

    /// <summary>A message id: the arrival time in epoch milliseconds (§5), strictly increasing across the emulator.</summary>
    internal (string Id, DateTimeOffset CreatedOn) NewMessageId()
    {
        lock (_idGate)
        {
            _lastMessageId = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), _lastMessageId + 1);
            return (_lastMessageId.ToString(System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.FromUnixTimeMilliseconds(_lastMessageId));
        }
    }

    /// <summary>
    /// Runs <paramref name="create"/> once per <paramref name="key"/>: a repeated key gets the first successful result again
    /// (§3: a repeated <c>repeatability-request-id</c> executes once). Creates are serialised, which an in-memory create
    /// makes cheap; failures are not remembered.
    /// </summary>
    internal (int Status, byte[] Body) Once(string key, Func<(int Status, byte[] Body)> create)
    {
        lock (_repeatabilityGate)
        {
            if (_repeatability.TryGet(key, out var remembered))
            {
                return (201, remembered);
            }

            var result = create();
            if (result.Status != 201)
            {
                return result;
            }

            _repeatability.Remember(key, result.Body, Options.MaxRepeatabilityEntries);

            return result;
        }
    }
}
