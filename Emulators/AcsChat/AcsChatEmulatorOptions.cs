namespace Collab.Emulators.AcsChat;

/// <summary>Configuration of the emulator's chat data plane, section <c>Acs:Chat</c>.</summary>
public sealed class AcsChatEmulatorOptions
{
}
