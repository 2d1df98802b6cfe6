using System.Text;

namespace Collab.Emulators.AcsEvents;

/// <summary>What a webhook answered: its status (0 when it did not answer in time or at all) and what the handshakes read.</summary>
/// <param name="Status">The HTTP status, or 0 on a network error or timeout.</param>
/// <param name="Body">The response body (first 64 KB), read only for the Event Grid handshake.</param>
/// <param name="AllowedOrigin">The <c>WebHook-Allowed-Origin</c> header, the CloudEvents handshake's consent.</param>
/// <param name="Failure">Why there was no answer, for the log.</param>
internal sealed record WebhookAnswer(int Status, string Body, string? AllowedOrigin, string? Failure);

/// <summary>
/// Sends one request to a webhook with a time limit. It never throws for the webhook's failures and never puts the
/// endpoint's query (which carries the webhook secret) in a message.
/// </summary>
public sealed class AcsWebhookClient(HttpClient http)
{
    private const int MaxBodyChars = 64 * 1024;

    /// <summary>The endpoint without user info or query, the only form that may be logged.</summary>
    public static string Redact(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return $"{endpoint.Scheme}://{endpoint.Authority}{endpoint.AbsolutePath}";
    }

    internal async Task<WebhookAnswer> SendAsync(HttpRequestMessage request, TimeSpan timeout, bool readBody, CancellationToken stopping)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var body = readBody ? await ReadBoundedAsync(response.Content, limit.Token) : "";
            var origin = response.Headers.TryGetValues("WebHook-Allowed-Origin", out var values) ? string.Join(",", values) : null;
            return new WebhookAnswer((int)response.StatusCode, body, origin, null);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return new WebhookAnswer(0, "", null, $"no answer within {timeout}");
        }
        catch (HttpRequestException ex)
        {
            // The message names host and port at most (e.g. "Connection refused (127.0.0.1:7071)"), never the query.
            return new WebhookAnswer(0, "", null, ex.HttpRequestError + ": " + ex.Message);
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var buffer = new char[MaxBodyChars];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return new string(buffer, 0, read);
    }
}
