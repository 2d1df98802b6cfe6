namespace Collab.Emulators.AcsRooms;

/// <summary>Configuration of the emulator's Rooms control plane, section <c>Acs:Rooms</c>.</summary>
public sealed class AcsRoomsEmulatorOptions
{
}
