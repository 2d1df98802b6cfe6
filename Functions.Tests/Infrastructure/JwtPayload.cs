using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>Reads a compact JWT's payload without checking its signature, as clients of these tokens do.</summary>
internal static class JwtPayload
{
    public static string Text(string token) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1]));

    public static JsonElement Claims(string token)
    {
        using var document = JsonDocument.Parse(Text(token));
        return document.RootElement.Clone();
    }
}
