using Collab.Boards.Errors;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Http;

/// <summary>Reads a request body into memory up to a limit, so oversized bodies are refused before they are parsed.</summary>
public static class RequestBody
{
    /// <summary>The whole body.</summary>
    /// <exception cref="CollabException">It is longer than <paramref name="maxBytes"/> (413).</exception>
    public static async Task<byte[]> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw new TooLargeException(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new TooLargeException(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
