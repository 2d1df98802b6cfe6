namespace Collab.Emulators.WebPubSub;

/// <summary>Configuration of the Web PubSub emulator, section <c>WebPubSub</c>.</summary>
public sealed class WebPubSubEmulatorOptions
{
    /// <summary>The default access key: the official emulator's, so its documented connection string works.</summary>
    public const string DefaultAccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    /// <summary>The primary access key; JWTs and <c>ce-signature</c> use its UTF-8 bytes. At least 32 bytes.</summary>
    public string AccessKey { get; set; } = DefaultAccessKey;

    /// <summary>An optional secondary key, accepted for tokens and added to every <c>ce-signature</c>.</summary>
    public string? SecondaryAccessKey { get; set; }

    /// <summary>Hubs by name (case-insensitive). A hub that is not listed still accepts clients but has no event handlers.</summary>
    public Dictionary<string, HubSettings> Hubs { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Delays between upstream attempts on 408, 5xx and network errors (the service's 1, 3 and 5 s).</summary>
    public TimeSpan[] UpstreamRetryDelays { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)];

    /// <summary>How long a dropped reliable connection can be recovered.</summary>
    public TimeSpan RecoveryWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest client frame accepted; larger ones close the connection with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>The keys in signature order.</summary>
    public IEnumerable<string> Keys => string.IsNullOrEmpty(SecondaryAccessKey) ? [AccessKey] : [AccessKey, SecondaryAccessKey];
}
