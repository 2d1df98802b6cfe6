namespace Collab.Emulators.AcsEvents;

/// <summary>Configuration of the emulator's event delivery, section <c>Acs:Events</c>.</summary>
public sealed class AcsEventsEmulatorOptions
{
}
