namespace Collab.Emulators.WebPubSub;

/// <summary>The subprotocol names the emulator serves.</summary>
public static class Subprotocols
{
    /// <summary>The JSON subprotocol.</summary>
    public const string Json = "json.webpubsub.azure.v1";

    /// <summary>The reliable JSON subprotocol.</summary>
    public const string JsonReliable = "json.reliable.webpubsub.azure.v1";

    /// <summary>Maps a subprotocol name to its protocol, or null for one the emulator does not serve.</summary>
    public static ClientProtocol? Parse(string? name) => name switch
    {
        Json => ClientProtocol.Json,
        JsonReliable => ClientProtocol.JsonReliable,
        _ => null,
    };
}
