using System.Text.Json.Nodes;

namespace Collab.Emulators.AcsEvents;

/// <summary>One ACS event as the resource raises it, before it is put in a delivery schema.</summary>
/// <param name="EventType">The full type, e.g. <c>Microsoft.Communication.ChatMessageReceivedInThread</c>.</param>
/// <param name="Subject">The subject, e.g. <c>thread/{threadId}/sender/{rawId}</c>.</param>
/// <param name="Data">The event's <c>data</c> (shared/protocols/acs-chat-rooms.md §10).</param>
public sealed record AcsEvent(string EventType, string Subject, JsonObject Data);
