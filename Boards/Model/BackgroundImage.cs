namespace Collab.Boards.Model;

/// <summary>Background images are recognised by their first bytes, never by what the client claims.</summary>
public static class BackgroundImage
{
    /// <summary>The largest image accepted.</summary>
    public const int MaxBytes = 5 * 1024 * 1024;

    /// <summary>The media type of a PNG, JPEG or GIF image, or null for anything else.</summary>
    public static string? MediaTypeOf(ReadOnlySpan<byte> content) =>
        content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : content.StartsWith("GIF87a"u8) || content.StartsWith("GIF89a"u8) ? "image/gif"
        : null;
}
