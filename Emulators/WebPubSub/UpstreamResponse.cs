namespace Collab.Emulators.WebPubSub;

/// <summary>What the event handler answered.</summary>
/// <param name="StatusCode">The HTTP status, or 0 when the handler could not be reached.</param>
/// <param name="ContentType">The response content type, if any.</param>
/// <param name="Body">The response body.</param>
/// <param name="ConnectionState">The <c>ce-connectionState</c> header, if present (an empty value clears the state).</param>
public sealed record UpstreamResponse(int StatusCode, string? ContentType, byte[] Body, string? ConnectionState)
{
    /// <summary>True for a 2xx answer.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}
