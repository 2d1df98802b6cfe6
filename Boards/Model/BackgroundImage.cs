namespace Collab.Boards.Model;

/// <summary>
/// Background images are recognised by their structure, never by what the client claims: a whole PNG, JPEG or GIF
/// (walked from signature to end marker, nothing after it, no markup in its text metadata) of at most
/// <see cref="MaxDimension"/> pixels each way.
/// </summary>
public static class BackgroundImage
{
    /// <summary>The largest image accepted.</summary>
    public const int MaxBytes = 5 * 1024 * 1024;

    /// <summary>The largest width or height accepted.</summary>
    public const int MaxDimension = 8192;

    /// <summary>The media type of a whole PNG, JPEG or GIF image within the limits, or null for anything else.</summary>
    public static string? MediaTypeOf(ReadOnlySpan<byte> content) => ImageStructure.MediaTypeOf(content);
}
