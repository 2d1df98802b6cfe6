using System.Net.Http.Headers;

namespace Collab.Emulators.WebPubSub;

/// <summary>A message body with its data type, as it travels between REST, upstream and clients.</summary>
/// <param name="DataType"><c>json</c>, <c>text</c> or <c>binary</c>.</param>
/// <param name="Bytes">The UTF-8 JSON or text, or the raw binary bytes.</param>
public sealed record MessagePayload(string DataType, byte[] Bytes)
{
    /// <summary>Maps an HTTP content type to a payload data type (absent means binary, as on the service).</summary>
    public static MessagePayload FromContent(string? contentType, byte[] bytes)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() : null;
        return mediaType switch
        {
            "application/json" => new MessagePayload("json", bytes),
            "text/plain" => new MessagePayload("text", bytes),
            _ => new MessagePayload("binary", bytes),
        };
    }

    /// <summary>The content type upstream requests use for this payload.</summary>
    public string ContentType => DataType switch
    {
        "json" => "application/json",
        "text" => "text/plain",
        _ => "application/octet-stream",
    };
}
