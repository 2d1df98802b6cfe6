namespace Collab.Emulators.WebPubSub;

/// <summary>The protocol a client connection speaks.</summary>
public enum ClientProtocol
{
    /// <summary>No subprotocol: each frame is a <c>message</c> user event.</summary>
    Raw,

    /// <summary><c>json.webpubsub.azure.v1</c>.</summary>
    Json,

    /// <summary><c>json.reliable.webpubsub.azure.v1</c>: adds sequence ids and recovery.</summary>
    JsonReliable,
}
