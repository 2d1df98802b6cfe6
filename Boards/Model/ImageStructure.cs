using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Collab.Boards.Model;

/// <summary>
/// Walks a PNG, JPEG or GIF from its signature to its end marker, so that only a whole image is accepted: not a file
/// that merely starts like one, not one with anything after its end (where a polyglot keeps its second format), and
/// not one whose text metadata (PNG text chunks, GIF comments and application data, JPEG comments) carries markup.
/// Pixel data is not decoded.
/// </summary>
/// <remarks>
/// An XMP packet (PNG <c>iTXt</c> <c>XML:com.adobe.xmp</c>, GIF <c>XMP DataXMP</c>) is XML by definition and is
/// allowed, as it is in a JPEG's APP1: screenshot tools and cameras write it into most images. What keeps a browser
/// from taking any image for a page is that it is served as what it is, with <c>nosniff</c> and a policy that runs
/// nothing; these checks only refuse the obvious polyglots.
/// </remarks>
internal static class ImageStructure
{
    // Decompressed PNG text is read only this far: text chunks are small, and a zip bomb must not be expanded.
    private const int MaxInflatedText = 64 * 1024;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The media type of <paramref name="content"/> when it is a whole PNG, JPEG or GIF within <see cref="BackgroundImage.MaxDimension"/>, else null.</summary>
    public static string? MediaTypeOf(ReadOnlySpan<byte> content) =>
        content.StartsWith(PngSignature) ? (IsPng(content) ? "image/png" : null)
        : content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]) ? (IsJpeg(content) ? "image/jpeg" : null)
        : content.StartsWith("GIF87a"u8) || content.StartsWith("GIF89a"u8) ? (IsGif(content) ? "image/gif" : null)
        : null;

    private static bool IsDimension(long value) => value is >= 1 and <= BackgroundImage.MaxDimension;

    // Markup in metadata is how an image is made to be a web page too.
    private static bool IsMarkupFree(ReadOnlySpan<byte> text) => !text.Contains((byte)'<');

    // PNG (ISO/IEC 15948): signature, IHDR first, chunks of length, type, data and CRC-32 (over type and data), IEND last.
    private static bool IsPng(ReadOnlySpan<byte> content)
    {
        var rest = content[PngSignature.Length..];
        var first = true;
        var pixels = false;
        while (rest.Length >= 12)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(rest);
            if (length > int.MaxValue || length > rest.Length - 12)
            {
                return false;
            }

            var typeAndData = rest.Slice(4, 4 + (int)length);
            var type = typeAndData[..4];
            var data = typeAndData[4..];
            if (BinaryPrimitives.ReadUInt32BigEndian(rest[(8 + (int)length)..]) != Crc32.HashToUInt32(typeAndData))
            {
                return false;
            }

            if (first != type.SequenceEqual("IHDR"u8) || (first && !IsPngHeader(data)) || !IsPngChunkAllowed(type, data))
            {
                return false;
            }

            first = false;
            pixels |= type.SequenceEqual("IDAT"u8);
            rest = rest[(12 + (int)length)..];
            if (type.SequenceEqual("IEND"u8))
            {
                return length == 0 && pixels && rest.IsEmpty;
            }
        }

        return false;
    }

    private static bool IsPngHeader(ReadOnlySpan<byte> ihdr)
    {
        if (ihdr.Length != 13)
        {
            return false;
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        var height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        var (depth, colour) = (ihdr[8], ihdr[9]);
        var depthFits = colour switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        return IsDimension(width) && IsDimension(height) && depthFits
            && ihdr[10] == 0 && ihdr[11] == 0 && ihdr[12] is 0 or 1;
    }

    private static bool IsPngChunkAllowed(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        foreach (var b in type)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }

        if (type.SequenceEqual("tEXt"u8))
        {
            return IsMarkupFree(data);
        }

        // zTXt: keyword, 0, method, zlib text. iTXt: keyword, 0, compressed flag, method, language, 0, keyword, 0, text.
        var keywordEnd = data.IndexOf((byte)0);
        if (type.SequenceEqual("zTXt"u8))
        {
            return keywordEnd >= 0 && data.Length > keywordEnd + 1 && IsMarkupFree(data[..keywordEnd]) && IsInflatedMarkupFree(data[(keywordEnd + 2)..]);
        }

        if (type.SequenceEqual("iTXt"u8))
        {
            if (keywordEnd < 0 || data.Length < keywordEnd + 3)
            {
                return false;
            }

            if (data[..keywordEnd].SequenceEqual("XML:com.adobe.xmp"u8))
            {
                return true;
            }

            var compressed = data[keywordEnd + 1] == 1;
            var afterLanguage = data[(keywordEnd + 3)..].IndexOf((byte)0);
            var afterTranslated = afterLanguage < 0 ? -1 : data[(keywordEnd + 3 + afterLanguage + 1)..].IndexOf((byte)0);
            if (afterTranslated < 0)
            {
                return false;
            }

            var textStart = keywordEnd + 3 + afterLanguage + 1 + afterTranslated + 1;
            return IsMarkupFree(data[..textStart]) && (compressed ? IsInflatedMarkupFree(data[textStart..]) : IsMarkupFree(data[textStart..]));
        }

        return true;
    }

    private static bool IsInflatedMarkupFree(ReadOnlySpan<byte> zlib)
    {
        try
        {
            using var inflater = new ZLibStream(new MemoryStream(zlib.ToArray()), CompressionMode.Decompress);
            var text = new byte[MaxInflatedText + 1];
            var read = inflater.ReadAtLeast(text, text.Length, throwOnEndOfStream: false);
            return read <= MaxInflatedText && IsMarkupFree(text.AsSpan(0, read));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    // JPEG (ITU T.81 Annex B): SOI, marker segments with a big-endian length, entropy-coded data after each SOS, EOI last.
    private static bool IsJpeg(ReadOnlySpan<byte> content)
    {
        var position = 2;
        var sized = false;
        var scanned = false;
        while (true)
        {
            if (position >= content.Length || content[position] != 0xFF)
            {
                return false;
            }

            // Any number of 0xFF fill bytes may precede a marker.
            while (position < content.Length && content[position] == 0xFF)
            {
                position++;
            }

            if (position >= content.Length)
            {
                return false;
            }

            var marker = content[position++];
            if (marker == 0xD9)
            {
                return sized && scanned && position == content.Length;
            }

            if (marker is 0x00 or 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7) || position + 2 > content.Length)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(content[position..]);
            if (length < 2 || position + length > content.Length)
            {
                return false;
            }

            var segment = content.Slice(position + 2, length - 2);
            position += length;
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                // SOFn: precision, height, width, components.
                if (sized || segment.Length < 6 || !IsDimension(BinaryPrimitives.ReadUInt16BigEndian(segment[1..])) || !IsDimension(BinaryPrimitives.ReadUInt16BigEndian(segment[3..])))
                {
                    return false;
                }

                sized = true;
            }
            else if (marker == 0xFE && !IsMarkupFree(segment))
            {
                return false;
            }
            else if (marker == 0xDA)
            {
                if (!sized)
                {
                    return false;
                }

                scanned = true;
                position = EndOfEntropyCodedData(content, position);
            }
        }
    }

    // Inside entropy-coded data, 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything else ends it.
    private static int EndOfEntropyCodedData(ReadOnlySpan<byte> content, int position)
    {
        while (true)
        {
            var next = content[position..].IndexOf((byte)0xFF);
            if (next < 0 || position + next + 1 >= content.Length)
            {
                return content.Length;
            }

            position += next;
            var following = content[position + 1];
            if (following != 0x00 && following is not (>= 0xD0 and <= 0xD7))
            {
                return position;
            }

            position += 2;
        }
    }

    // GIF (89a specification): header, logical screen descriptor and colour table, then images and extensions made of
    // sub-blocks, then the trailer 0x3B.
    private static bool IsGif(ReadOnlySpan<byte> content)
    {
        if (content.Length < 13 || !IsDimension(BinaryPrimitives.ReadUInt16LittleEndian(content[6..])) || !IsDimension(BinaryPrimitives.ReadUInt16LittleEndian(content[8..])))
        {
            return false;
        }

        var position = 13 + ColourTableLength(content[10]);
        var images = 0;
        while (position < content.Length)
        {
            switch (content[position++])
            {
                case 0x3B:
                    return images > 0 && position == content.Length;
                case 0x2C:
                    // Image descriptor: left, top, width, height, flags; a local colour table; the LZW code size (browsers
                    // decode 1 to 11); data.
                    if (position + 10 > content.Length)
                    {
                        return false;
                    }

                    position += 9 + ColourTableLength(content[position + 8]);
                    if (position >= content.Length || content[position++] is 0 or > 11 || !SubBlocks(content, ref position, checkMarkup: false))
                    {
                        return false;
                    }

                    images++;
                    break;
                case 0x21:
                    if (position >= content.Length)
                    {
                        return false;
                    }

                    // Plain text (0x01), comment (0xFE) and application (0xFF) extensions carry free bytes.
                    var label = content[position++];
                    var xmp = label == 0xFF && content[position..].StartsWith((ReadOnlySpan<byte>)[11, .. "XMP DataXMP"u8]);
                    if (!SubBlocks(content, ref position, checkMarkup: label is 0x01 or 0xFE || (label == 0xFF && !xmp)))
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private static int ColourTableLength(byte flags) => (flags & 0x80) == 0 ? 0 : 3 << ((flags & 0x07) + 1);

    // Data sub-blocks: a length byte and that many bytes, until a zero length.
    private static bool SubBlocks(ReadOnlySpan<byte> content, ref int position, bool checkMarkup)
    {
        while (position < content.Length)
        {
            var size = content[position++];
            if (size == 0)
            {
                return true;
            }

            if (position + size > content.Length || (checkMarkup && !IsMarkupFree(content.Slice(position, size))))
            {
                return false;
            }

            position += size;
        }

        return false;
    }
}
