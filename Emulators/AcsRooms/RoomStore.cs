using Collab.Emulators.AcsIdentity;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.AcsRooms;

/// <summary>One room as the service returns it (<c>RoomModel</c>, shared/protocols/acs-chat-rooms.md §8).</summary>
/// <param name="Id">The 17-digit room id.</param>
/// <param name="CreatedAt">When the room was created.</param>
/// <param name="ValidFrom">From when the room can be joined.</param>
/// <param name="ValidUntil">Until when the room can be joined.</param>
/// <param name="PstnDialOutEnabled">Whether PSTN dial-out is allowed in the room's calls.</param>
public sealed record RoomSnapshot(string Id, DateTimeOffset CreatedAt, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, bool PstnDialOutEnabled);

/// <summary>The outcome of a store change that can hit a bound or a missing room.</summary>
internal enum RoomChange
{
    Done,
    NotFound,
    TooManyRooms,
    TooManyParticipants,
}

/// <summary>
/// The emulator's rooms, their participants (raw id → role) and the remembered <c>Repeatability-Request-ID</c>s, all
/// bounded by <see cref="AcsRoomsEmulatorOptions"/>. Tests read it to see what the control plane holds.
/// </summary>
public sealed class RoomStore(IOptions<AcsIdentityEmulatorOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly RepeatabilityResults<RoomSnapshot> _repeatability = new();
    private long _sequence;

    private AcsRoomsEmulatorOptions Limits => options.Value.Rooms;

    /// <summary>How many rooms exist.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rooms.Count;
            }
        }
    }

    /// <summary>The room, or null when it does not exist (never created, or deleted).</summary>
    public RoomSnapshot? Find(string roomId)
    {
        lock (_gate)
        {
            return _rooms.TryGetValue(roomId, out var room) ? room.Snapshot : null;
        }
    }

    /// <summary>The room's participants as raw id → role, or null when the room does not exist.</summary>
    public IReadOnlyDictionary<string, string>? Participants(string roomId)
    {
        lock (_gate)
        {
            return _rooms.TryGetValue(roomId, out var room)
                ? room.Participants.ToDictionary(p => p.Key, p => p.Value.Role, StringComparer.Ordinal)
                : null;
        }
    }

    /// <summary>
    /// Creates a room, or when <paramref name="repeatabilityId"/> was seen before returns the room that request created
    /// (<paramref name="replayed"/> true) without creating another.
    /// </summary>
    internal RoomChange Create(
        DateTimeOffset now, DateTimeOffset validFrom, DateTimeOffset validUntil, bool pstnDialOutEnabled,
        IReadOnlyDictionary<string, string> participants, string? repeatabilityId, out RoomSnapshot? room, out bool replayed)
    {
        lock (_gate)
        {
            replayed = false;
            if (repeatabilityId is not null && _repeatability.TryGet(repeatabilityId, out room))
            {
                replayed = true;
                return RoomChange.Done;
            }

            room = null;
            if (_rooms.Count >= Limits.MaxRooms)
            {
                return RoomChange.TooManyRooms;
            }

            if (participants.Count > Limits.MaxParticipantsPerRoom)
            {
                return RoomChange.TooManyParticipants;
            }

            string id;
            do
            {
                // Real room ids are 17–18 digit decimal strings (§8).
                id = Random.Shared.NextInt64(10_000_000_000_000_000, 100_000_000_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            while (_rooms.ContainsKey(id));

            var created = new Room(++_sequence, new RoomSnapshot(id, now, validFrom, validUntil, pstnDialOutEnabled));
            foreach (var (rawId, role) in participants)
            {
                created.Participants[rawId] = new Participant(++_sequence, role);
            }

            _rooms[id] = created;
            room = created.Snapshot;
            if (repeatabilityId is not null)
            {
                Remember(repeatabilityId, room);
            }

            return RoomChange.Done;
        }
    }

    /// <summary>Replaces the room's window and dial-out flag; null when the room does not exist.</summary>
    internal RoomSnapshot? Update(string roomId, DateTimeOffset validFrom, DateTimeOffset validUntil, bool pstnDialOutEnabled)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var room))
            {
                return null;
            }

            room.Snapshot = room.Snapshot with { ValidFrom = validFrom, ValidUntil = validUntil, PstnDialOutEnabled = pstnDialOutEnabled };
            return room.Snapshot;
        }
    }

    /// <summary>Deletes the room with its participants; false when it did not exist.</summary>
    internal bool Delete(string roomId)
    {
        lock (_gate)
        {
            return _rooms.Remove(roomId);
        }
    }

    /// <summary>Up to <paramref name="pageSize"/> rooms created after the position <paramref name="after"/>, with the position to continue from (null at the end).</summary>
    internal (IReadOnlyList<RoomSnapshot> Page, long? Next) List(long after, int pageSize)
    {
        lock (_gate)
        {
            var page = _rooms.Values.Where(r => r.Sequence > after).OrderBy(r => r.Sequence).Take(pageSize + 1).ToList();
            var next = page.Count > pageSize ? page[pageSize - 1].Sequence : (long?)null;
            return (page.Take(pageSize).Select(r => r.Snapshot).ToList(), next);
        }
    }

    /// <summary>Applies a merge-patch of participants: a role adds or updates, null removes (absent ids are ignored).</summary>
    internal RoomChange PatchParticipants(string roomId, IReadOnlyList<KeyValuePair<string, string?>> changes)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var room))
            {
                return RoomChange.NotFound;
            }

            var added = changes.Where(c => c.Value is not null).Select(c => c.Key).Distinct(StringComparer.Ordinal).Count(id => !room.Participants.ContainsKey(id));
            var removed = changes.Where(c => c.Value is null).Select(c => c.Key).Distinct(StringComparer.Ordinal).Count(room.Participants.ContainsKey);
            if (room.Participants.Count + added - removed > Limits.MaxParticipantsPerRoom)
            {
                return RoomChange.TooManyParticipants;
            }

            foreach (var (rawId, role) in changes)
            {
                if (role is null)
                {
                    room.Participants.Remove(rawId);
                }
                else if (room.Participants.TryGetValue(rawId, out var existing))
                {
                    room.Participants[rawId] = existing with { Role = role };
                }
                else
                {
                    room.Participants[rawId] = new Participant(++_sequence, role);
                }
            }

            return RoomChange.Done;
        }
    }

    /// <summary>A page of the room's participants (raw id, role) after <paramref name="after"/>; null when the room does not exist.</summary>
    internal (IReadOnlyList<KeyValuePair<string, string>> Page, long? Next)? ListParticipants(string roomId, long after, int pageSize)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var room))
            {
                return null;
            }

            var page = room.Participants.Where(p => p.Value.Sequence > after).OrderBy(p => p.Value.Sequence).Take(pageSize + 1).ToList();
            var next = page.Count > pageSize ? page[pageSize - 1].Value.Sequence : (long?)null;
            return (page.Take(pageSize).Select(p => KeyValuePair.Create(p.Key, p.Value.Role)).ToList(), next);
        }
    }

    private void Remember(string repeatabilityId, RoomSnapshot room)
    {
        _repeatability.Remember(repeatabilityId, room, Math.Max(1, Limits.MaxRepeatabilityEntries));
    }

    private sealed class Room(long sequence, RoomSnapshot snapshot)
    {
        public long Sequence { get; } = sequence;

        public RoomSnapshot Snapshot { get; set; } = snapshot;

        public Dictionary<string, Participant> Participants { get; } = new(StringComparer.Ordinal);
    }

    private sealed record Participant(long Sequence, string Role);
}
