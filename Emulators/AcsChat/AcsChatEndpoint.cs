using Collab.Emulators.AcsIdentity;

namespace Collab.Emulators.AcsChat;

/// <summary>The ACS Chat data plane under <c>/chat</c> (shared/protocols/acs-chat-rooms.md §2–§6).</summary>
public sealed class AcsChatEndpoint
{
    /// <summary>Handles one request under <c>/chat</c>.</summary>
    public Task HandleAsync(HttpContext context) =>
        AcsResponses.ErrorAsync(context, 501, "NotImplemented", "Chat is not served yet.");
}
