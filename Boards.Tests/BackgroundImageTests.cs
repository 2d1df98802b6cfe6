using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Collab.Boards.Model;

namespace Collab.Boards.Tests;

/// <summary>
/// Background images are accepted by their structure: tiny images built here byte by byte (each one a browser
/// decodes), and what an upload must not get through with — a truncated file, oversize dimensions, trailing bytes,
/// and markup in metadata, the ways an image is made to be a web page too.
/// </summary>
public sealed class BackgroundImageTests
{
    public static TheoryData<string, byte[]> WholeImages => new()
    {
        { "image/png", Png(1, 1) },
        { "image/png", Png(BackgroundImage.MaxDimension, 1) },
        { "image/png", Png(2, 3, Chunk("tEXt", "Software\0GIMP 2.10"u8), Chunk("pHYs", new byte[9])) },
        { "image/png", Png(1, 1, Chunk("zTXt", [.. "Comment\0\0"u8, .. Deflate("no markup here"u8)])) },
        // An XMP packet is XML by definition: screenshot tools write one into most PNGs.
        { "image/png", Png(1, 1, Chunk("iTXt", "XML:com.adobe.xmp\0\0\0\0\0<?xpacket begin=''?><x:xmpmeta xmlns:x='adobe:ns:meta/'/>"u8)) },
        { "image/jpeg", Jpeg(8, 8) },
        { "image/jpeg", Jpeg(1, BackgroundImage.MaxDimension, Segment(0xFE, "made by a camera"u8)) },
        { "image/gif", Gif(1, 1) },
        { "image/gif", Gif(BackgroundImage.MaxDimension, 2, Extension(0xFF, "NETSCAPE2.0"u8.ToArray(), [1, 0, 0]), Extension(0xFE, "a comment"u8.ToArray())) },
        { "image/gif", Gif(1, 1, Extension(0xFF, "XMP DataXMP"u8.ToArray(), "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"u8.ToArray())) },
    };

    public static TheoryData<string, byte[]> NotImages => new()
    {
        // What the board API's tests used to upload: a PNG signature and the start of an IHDR, no more.
        { "PNG signature only", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52] },
        { "GIF header then HTML", [.. "GIF89a<script>alert(document.cookie)</script>"u8] },
        { "GIF87a header then HTML", [.. "GIF87a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script>"u8] },
        { "JPEG SOI then HTML", [0xFF, 0xD8, 0xFF, .. "<html>"u8] },
        { "PNG after HTML", [.. "<html>"u8, .. Png(1, 1)] },
        { "PNG, trailing HTML", [.. Png(1, 1), .. "<script>alert(1)</script>"u8] },
        { "PNG, one trailing byte", [.. Png(1, 1), 0] },
        { "JPEG, trailing HTML", [.. Jpeg(8, 8), .. "<html>"u8] },
        { "JPEG, second image after EOI", [.. Jpeg(8, 8), .. Jpeg(8, 8)] },
        { "GIF, trailing HTML", [.. Gif(1, 1), .. "<html>"u8] },
        { "PNG 8193 wide", Png(BackgroundImage.MaxDimension + 1, 1) },
        { "PNG 0 high", Png(1, 0) },
        { "PNG 2^31-1 wide", Png(int.MaxValue, 1) },
        { "JPEG 8193 high", Jpeg(8, BackgroundImage.MaxDimension + 1) },
        { "JPEG 0 high", Jpeg(8, 0) },
        { "GIF 8193 wide", Gif(BackgroundImage.MaxDimension + 1, 1) },
        { "GIF 0 wide", Gif(0, 1) },
        { "PNG text chunk with HTML", Png(1, 1, Chunk("tEXt", "Comment\0<script>alert(1)</script>"u8)) },
        { "PNG compressed text with HTML", Png(1, 1, Chunk("zTXt", [.. "Comment\0\0"u8, .. Deflate("<html><script>alert(1)</script>"u8)])) },
        { "PNG international text with HTML", Png(1, 1, Chunk("iTXt", "Comment\0\0\0en\0\0<script>alert(1)</script>"u8)) },
        { "PNG chunk with a bad CRC", Corrupt(Png(1, 1), 8 + 8 + 13) },
        { "PNG without IHDR first", [.. Png(1, 1)[..8], .. Chunk("tEXt", "a\0b"u8), .. Png(1, 1)[8..]] },
        { "PNG without pixels", [.. Png(1, 1)[..(8 + 25)], .. Chunk("IEND", [])] },
        { "JPEG comment with HTML", Jpeg(8, 8, Segment(0xFE, "<html><script>alert(1)</script>"u8)) },
        { "JPEG without a frame", [0xFF, 0xD8, .. Segment(0xE0, "JFIF\0"u8), 0xFF, 0xD9] },
        { "GIF comment with HTML", Gif(1, 1, Extension(0xFE, "<script>alert(1)</script>"u8.ToArray())) },
        { "GIF application extension with HTML", Gif(1, 1, Extension(0xFF, "EVILAPP1.00"u8.ToArray(), "<script>alert(1)</script>"u8.ToArray())) },
        { "GIF without an image", [.. Gif(1, 1)[..13], 0x3B] },
        { "empty", [] },
    };

    [Theory]
    [MemberData(nameof(WholeImages))]
    public void WholeImages_AreRecognised(string mediaType, byte[] image) => Assert.Equal(mediaType, BackgroundImage.MediaTypeOf(image));

    [Theory]
    [MemberData(nameof(WholeImages))]
    public void EveryTruncation_IsRefused(string mediaType, byte[] image)
    {
        var accepted = Enumerable.Range(0, image.Length).Where(length => BackgroundImage.MediaTypeOf(image.AsSpan(0, length)) is not null).ToList();

        Assert.True(accepted.Count == 0, $"{mediaType} of {image.Length} bytes was accepted cut to {string.Join(", ", accepted)} bytes");
    }

    [Theory]
    [MemberData(nameof(NotImages))]
    public void AnythingElse_IsRefused(string what, byte[] content) => Assert.True(BackgroundImage.MediaTypeOf(content) is null, what);

    /// <summary>A PNG of greyscale pixels, all black; <paramref name="ancillary"/> chunks go between IHDR and IDAT.</summary>
    internal static byte[] Png(int width, int height, params byte[][] ancillary)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grey), compression, filter and interlace 0
        // Each row is a filter byte and its pixels; a tiny image carries its rows, a large one (never decoded
        // here) one row, which keeps the test fast.
        var rows = new byte[width <= 64 && height <= 64 ? height * (width + 1) : Math.Min(width, 64) + 1];
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", header), .. ancillary.SelectMany(c => c), .. Chunk("IDAT", Deflate(rows)), .. Chunk("IEND", [])];
    }

    internal static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeAndData.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(typeAndData));
        return chunk;
    }

    /// <summary>
    /// A baseline greyscale JPEG of one mid-grey block: a quantisation table, the frame, one Huffman table each for DC
    /// and AC holding the single code <c>0</c> (for "difference 0" and "end of block"), and a scan of those two bits.
    /// </summary>
    internal static byte[] Jpeg(int width, int height, params byte[][] segments)
    {
        byte[] frame = [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0];
        byte[] oneCode = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        // Every 8x8 block is a DC difference of 0 and end-of-block: two zero bits each, the last byte padded with ones.
        var bits = 2 * ((width + 7) / 8) * ((height + 7) / 8);
        var scan = new byte[(bits + 7) / 8];
        if (scan.Length > 0)
        {
            scan[^1] |= (byte)((1 << ((scan.Length * 8) - bits)) - 1);
        }

        return
        [
            0xFF, 0xD8,
            .. Segment(0xE0, "JFIF\0\x01\x01\0\0\x01\0\x01\0\0"u8),
            .. segments.SelectMany(s => s),
            .. Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]),
            .. Segment(0xC0, frame),
            .. Segment(0xC4, [0x00, .. oneCode]),
            .. Segment(0xC4, [0x10, .. oneCode]),
            .. Segment(0xDA, [1, 1, 0x00, 0, 63, 0]),
            .. scan,
            0xFF, 0xD9,
        ];
    }

    internal static byte[] Segment(byte marker, ReadOnlySpan<byte> data) => [0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2), .. data];

    /// <summary>A GIF89a with a two-colour global table and one image of colour 0; <paramref name="extensions"/> go before the image.</summary>
    internal static byte[] Gif(int width, int height, params byte[][] extensions) =>
    [
        .. "GIF89a"u8, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0, 0,
        0, 0, 0, 0xFF, 0xFF, 0xFF,
        .. extensions.SelectMany(e => e),
        // The image: clear code, pixel 0, end code, as LZW with 2-bit codes.
        0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0,
        0x3B,
    ];

    internal static byte[] Extension(byte label, params byte[][] subBlocks) =>
        [0x21, label, .. subBlocks.SelectMany(b => (byte[])[(byte)b.Length, .. b]), 0];

    private static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Corrupt(byte[] image, int at)
    {
        var copy = image.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }
}
