using Collab.Emulators.AcsIdentity;

namespace Collab.Emulators.AcsRooms;

/// <summary>The ACS Rooms control plane under <c>/rooms</c> (shared/protocols/acs-chat-rooms.md §7–§8).</summary>
public sealed class AcsRoomsEndpoint
{
    /// <summary>Handles one request under <c>/rooms</c>.</summary>
    public Task HandleAsync(HttpContext context) =>
        AcsResponses.ErrorAsync(context, 501, "NotImplemented", "Rooms are not served yet.");
}
