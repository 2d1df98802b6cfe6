using System.Text.Json;
using Collab.Boards.Errors;
using Microsoft.AspNetCore.Http;

namespace Collab.Functions.Http;

/// <summary>Reads small optional JSON bodies with the limits and errors every endpoint should share.</summary>
public static class JsonRequestBody
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        MaxDepth = 16,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The body as <typeparamref name="T"/>, or null when the request has no body.</summary>
    /// <exception cref="CollabException">Not JSON (415), over <paramref name="maxBytes"/> (413), or not a valid <typeparamref name="T"/> (400).</exception>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = await RequestBody.ReadAsync(request, maxBytes, cancellationToken);
        if (body.Length == 0)
        {
            return null;
        }

        if (!(request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw InvalidRequestException.UnsupportedMediaType();
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, Json)
                ?? throw new InvalidRequestException("The body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException($"The body is not valid: {ex.Message.Split('.')[0]}.");
        }
    }
}
