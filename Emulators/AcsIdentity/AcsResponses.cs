using System.Text.Json;

namespace Collab.Emulators.AcsIdentity;

/// <summary>What every ACS data plane of the emulator shares: bounded body reads and the service's JSON and error shapes.</summary>
internal static class AcsResponses
{
    /// <summary>Reads the body up to <paramref name="maxBytes"/>; null when it is larger.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The <c>CommunicationErrorResponse</c> shape: <c>{"error":{"code","message"}}</c>.</summary>
    public static Task ErrorAsync(HttpContext context, int status, string code, string message) =>
        JsonAsync(context, status, new { error = new { code, message } });

    /// <summary>Writes <paramref name="body"/> as <c>application/json; charset=utf-8</c> with <paramref name="status"/>.</summary>
    public static async Task JsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body));
    }

    /// <summary>
    /// Null when the request names one of <paramref name="supported"/> as its <c>api-version</c>; else the service's
    /// 400 error code and message for a missing or unsupported version.
    /// </summary>
    public static (string Code, string Message)? ApiVersionError(HttpRequest request, IReadOnlyCollection<string> supported)
    {
        var apiVersion = request.Query["api-version"].ToString();
        return string.IsNullOrEmpty(apiVersion) ? ("MissingApiVersionParameter", "The api-version query parameter is required.")
            : !supported.Contains(apiVersion) ? ("UnsupportedApiVersion", $"The api-version '{apiVersion}' is not supported.")
            : null;
    }
}
