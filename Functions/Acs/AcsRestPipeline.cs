using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Telemetry;
using Collab.Protocols.Acs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Acs;

/// <summary>
/// The one REST core of our ACS clients (identity, chat, rooms): requests to the resource endpoint of
/// <c>Acs:ConnectionString</c>, authorised per attempt (HMAC-SHA256 as in shared/protocols/acs-identity.md §8, or a
/// bearer token for the chat data plane, acs-chat-rooms.md §2), retried with backoff on network failures, 408, 429 and
/// 5xx (honouring <c>Retry-After</c>, at most 10 s), and the service's <c>CommunicationErrorResponse</c> surfaced as
/// <see cref="AcsRequestException"/>. Each call is a <c>collab.acs.request</c> span over its attempts' HTTP spans.
/// </summary>
public sealed class AcsRestPipeline
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly AcsOptions _options;
    private readonly AcsConnectionString _connection;
    private readonly TimeProvider _time;
    private readonly ILogger<AcsRestPipeline> _logger;
    private readonly CollabTelemetry? _telemetry;

    /// <summary>Creates the pipeline over <paramref name="http"/> (from the HTTP client factory); <paramref name="telemetry"/> traces its calls.</summary>
    public AcsRestPipeline(HttpClient http, IOptions<AcsOptions> options, TimeProvider time, ILogger<AcsRestPipeline> logger, CollabTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value;
        _connection = _options.ParseConnection();
        _time = time;
        _logger = logger;
        _telemetry = telemetry;
    }

    /// <summary>The resource endpoint requests go to (the connection string's).</summary>
    public Uri Endpoint => _connection.Endpoint;

    /// <summary>Sends <paramref name="request"/> until it succeeds, fails for good or runs out of retries.</summary>
    /// <returns>The status and the JSON body (null when the answer has none).</returns>
    /// <exception cref="AcsRequestException">The service refused the request, or could not be reached after every retry.</exception>
    public async Task<AcsResponse> SendAsync(AcsRestRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = new Uri(_connection.Endpoint, request.PathAndQuery);
        var content = request.Body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(request.Body);
        var delays = _options.EffectiveRetryDelays();
        using var span = _telemetry?.Start(CollabTelemetry.Spans.AcsRequest);
        span?.SetTag(CollabTelemetry.Tags.AcsOperation, $"{request.Service} {request.Operation}");
        for (var attempt = 0; ; attempt++)
        {
            span?.SetTag(CollabTelemetry.Tags.Attempts, attempt + 1);
            AcsRequestException failure;
            try
            {
                using var message = new HttpRequestMessage(request.Method, uri);
                if (request.Body is not null)
                {
                    message.Content = new ByteArrayContent(content);
                    message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
                }

                message.Headers.Accept.ParseAdd("application/json");
                foreach (var (name, value) in request.Headers)
                {
                    message.Headers.TryAddWithoutValidation(name, value);
                }

                if (request.BearerToken is { } bearer)
                {
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await bearer(cancellationToken));
                }
                else
                {
                    AcsRequestSigner.Sign(message, content, _connection.Key, _time.GetUtcNow());
                }

                using var response = await _http.SendAsync(message, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return new AcsResponse((int)response.StatusCode, await ReadBodyAsync(response, cancellationToken));
                }

                failure = await ReadErrorAsync(request.Service, response, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure = new AcsRequestException(request.Service, 0, "Unreachable", ex is TaskCanceledException ? "The request timed out." : "The service could not be reached.", null, ex);
            }

            if (!failure.IsTransient || attempt >= delays.Count)
            {
                if (failure.IsTransient)
                {
                    _telemetry?.DependencyFailed(CollabTelemetry.Dependencies.Acs);
                }

                throw failure;
            }

            var delay = failure.RetryAfter is { } retryAfter ? TimeSpan.FromTicks(Math.Clamp(retryAfter.Ticks, 0, MaxRetryAfter.Ticks)) : delays[attempt];
            _logger.LogWarning(
                "ACS {Service} {Method} {Operation} failed with {Status} {Code}; retry {Attempt} in {Delay}",
                request.Service, request.Method, request.Operation, failure.Status, failure.Code, attempt + 1, delay);
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private static async Task<JsonDocument?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return bytes.Length == 0 ? null : JsonDocument.Parse(bytes);
    }

    private static async Task<AcsRequestException> ReadErrorAsync(string service, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        var code = response.ReasonPhrase ?? "Error";
        var message = "The service gave no error body.";
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (bytes.Length > 0)
            {
                using var json = JsonDocument.Parse(bytes);
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : code;
                    message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : message;
                }
            }
        }
        catch (JsonException)
        {
            message = "The service's error body is not JSON.";
        }

        return new AcsRequestException(service, status, code, message, retryAfter);
    }
}

/// <summary>One request of an ACS client.</summary>
/// <param name="Service">Which API, for errors and logs: <c>identity</c>, <c>chat</c> or <c>rooms</c>.</param>
/// <param name="Operation">A short name of the operation for logs (never an id or a token).</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">Relative to the resource endpoint, with <c>api-version</c>.</param>
public sealed record AcsRestRequest(string Service, string Operation, HttpMethod Method, string PathAndQuery)
{
    /// <summary>The JSON body, or null for none.</summary>
    public JsonNode? Body { get; init; }

    /// <summary>The body's media type (<c>application/merge-patch+json</c> on PATCH).</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>Extra headers, such as <c>repeatability-request-id</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Gets the bearer token for each attempt; null signs the request with the access key (HMAC) instead.</summary>
    public Func<CancellationToken, ValueTask<string>>? BearerToken { get; init; }
}

/// <summary>A successful answer of the service.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The JSON body, or null when there is none.</param>
public sealed record AcsResponse(int Status, JsonDocument? Body) : IDisposable
{
    /// <summary>The body's root, which the caller expects to be there.</summary>
    /// <exception cref="AcsRequestException">The service answered without a body.</exception>
    public JsonElement Json(string service) => Body?.RootElement ?? throw new AcsRequestException(service, Status, "EmptyBody", "The service answered without the expected JSON body.");

    /// <inheritdoc />
    public void Dispose() => Body?.Dispose();
}
