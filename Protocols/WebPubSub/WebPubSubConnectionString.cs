using System.Text;

namespace Collab.Protocols.WebPubSub;

/// <summary>
/// A Web PubSub connection string, <c>Endpoint=...;AccessKey=...;Version=1.0;[Port=n]</c>,
/// parsed the way the official SDKs do (shared/protocols/web-pubsub.md §2).
/// </summary>
public sealed record WebPubSubConnectionString
{
    private WebPubSubConnectionString(Uri endpoint, string accessKey)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
    }

    /// <summary>The http(s) endpoint, always ending in <c>/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The access key, used as its UTF-8 bytes (never base64-decoded).</summary>
    public string AccessKey { get; }

    /// <summary>The HMAC key for JWTs and <c>ce-signature</c>: the UTF-8 bytes of <see cref="AccessKey"/>.</summary>
    public byte[] KeyBytes => Encoding.UTF8.GetBytes(AccessKey);

    /// <summary>The <c>aud</c> of client access tokens for <paramref name="hub"/>: <c>{endpoint}client/hubs/{hub}</c>.</summary>
    public string ClientAudience(string hub) => Endpoint.AbsoluteUri + "client/hubs/" + hub;

    /// <summary>The WebSocket URL clients connect to for <paramref name="hub"/>, without a token.</summary>
    public Uri ClientEndpoint(string hub)
    {
        var builder = new UriBuilder(Endpoint) { Scheme = Endpoint.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" };
        builder.Path = builder.Path.TrimEnd('/') + "/client/hubs/" + Uri.EscapeDataString(hub);
        return builder.Uri;
    }

    /// <summary>Parses a connection string; keys are case-insensitive and duplicates are refused.</summary>
    /// <exception cref="FormatException">The string lacks an endpoint or access key, or is malformed.</exception>
    public static WebPubSubConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException("A Web PubSub connection string segment is not key=value.");
            }

            if (!values.TryAdd(part[..equals].Trim(), part[(equals + 1)..].Trim()))
            {
                throw new FormatException($"The Web PubSub connection string repeats the key '{part[..equals].Trim()}'.");
            }
        }

        if (!values.TryGetValue("Endpoint", out var endpoint) || string.IsNullOrEmpty(endpoint))
        {
            throw new FormatException("The Web PubSub connection string has no Endpoint.");
        }

        if (!values.TryGetValue("AccessKey", out var key) || string.IsNullOrEmpty(key))
        {
            throw new FormatException("The Web PubSub connection string has no AccessKey.");
        }

        if (!endpoint.Contains("://", StringComparison.Ordinal))
        {
            endpoint = "https://" + endpoint;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException("The Web PubSub endpoint must be an absolute http(s) URL.");
        }

        var builder = new UriBuilder(uri);
        if (values.TryGetValue("Port", out var portText))
        {
            if (!int.TryParse(portText, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException("The Web PubSub connection string Port must be 1-65535.");
            }

            builder.Port = port;
        }

        builder.Path = builder.Path.TrimEnd('/') + "/";
        return new WebPubSubConnectionString(builder.Uri, key);
    }
}
