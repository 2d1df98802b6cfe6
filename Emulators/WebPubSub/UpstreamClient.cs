using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Collab.Protocols.WebPubSub;
using Microsoft.Extensions.Options;

namespace Collab.Emulators.WebPubSub;

/// <summary>
/// Delivers events to the configured handlers as binary-mode CloudEvents: the abuse-protection handshake first,
/// then signed POSTs, retried on 408, 5xx and network errors (shared/protocols/web-pubsub.md §4).
/// </summary>
public sealed class UpstreamClient(HttpClient http, IOptions<WebPubSubEmulatorOptions> options, TimeProvider time, ILogger<UpstreamClient> logger)
{
    private static readonly TimeSpan ValidationLifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _validatedUntil = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The first handler of <paramref name="hub"/> that takes the event, or null.</summary>
    public EventHandlerSettings? FindHandler(string hub, bool isSystem, string eventName)
    {
        if (!options.Value.Hubs.TryGetValue(hub, out var settings))
        {
            return null;
        }

        return settings.EventHandlers.FirstOrDefault(h => isSystem ? h.HandlesSystemEvent(eventName) : h.HandlesUserEvent(eventName));
    }

    /// <summary>Sends <paramref name="cloudEvent"/>; null when no handler takes it.</summary>
    public async Task<UpstreamResponse?> SendAsync(UpstreamEvent cloudEvent, CancellationToken cancellationToken)
    {
        var handler = FindHandler(cloudEvent.Hub, cloudEvent.IsSystem, cloudEvent.EventName);
        if (handler is null)
        {
            return null;
        }

        if (!await EnsureValidatedAsync(handler, cloudEvent, cancellationToken))
        {
            return new UpstreamResponse(0, null, [], null);
        }

        // The span is current while the event is sent, so the HTTP client sends its traceparent and the
        // handler's spans (the functions host's, then the worker's) join this trace.
        using var activity = EmulatorTelemetry.StartRoot($"WebPubSub upstream {cloudEvent.EventName}", ActivityKind.Producer);
        activity?.SetTag("collab.wps.hub", cloudEvent.Hub);
        activity?.SetTag("collab.wps.event", cloudEvent.EventName);
        activity?.SetTag("collab.wps.event_type", cloudEvent.IsSystem ? "system" : "user");
        var url = handler.Resolve(cloudEvent.Hub, cloudEvent.EventName);
        var response = await WithRetriesAsync(() => BuildEventRequest(url, cloudEvent), cloudEvent.EventName, cancellationToken);
        activity?.SetTag("http.response.status_code", response.StatusCode);
        if (!response.IsSuccess)
        {
            activity?.SetStatus(ActivityStatusCode.Error, response.StatusCode == 0 ? "no answer" : $"answered {response.StatusCode}");
        }

        return response;
    }

    private async Task<bool> EnsureValidatedAsync(EventHandlerSettings handler, UpstreamEvent cloudEvent, CancellationToken cancellationToken)
    {
        var url = handler.Resolve(cloudEvent.Hub, "validate");
        var key = url.AbsoluteUri + "|" + cloudEvent.Origin;
        if (_validatedUntil.TryGetValue(key, out var until) && until > time.GetUtcNow())
        {
            return true;
        }

        var response = await WithRetriesAsync(() => BuildValidationRequest(url, cloudEvent.Origin), "validate", cancellationToken);
        if (!response.IsSuccess)
        {
            logger.LogWarning("Abuse-protection validation of {Url} failed with status {Status}", url, response.StatusCode);
            return false;
        }

        _validatedUntil[key] = time.GetUtcNow() + ValidationLifetime;
        return true;
    }

    private static HttpRequestMessage BuildValidationRequest(Uri url, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.TryAddWithoutValidation("WebHook-Request-Origin", origin);
        request.Headers.TryAddWithoutValidation("ce-awpsversion", "1.0");
        return request;
    }

    private HttpRequestMessage BuildEventRequest(Uri url, UpstreamEvent e)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(e.Body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", e.ContentType);
        var headers = request.Headers;
        headers.TryAddWithoutValidation("WebHook-Request-Origin", e.Origin);
        headers.TryAddWithoutValidation("ce-specversion", "1.0");
        headers.TryAddWithoutValidation("ce-awpsversion", "1.0");
        headers.TryAddWithoutValidation("ce-type", e.CloudEventType);
        headers.TryAddWithoutValidation("ce-source", $"/hubs/{e.Hub}/client/{e.ConnectionId}");
        headers.TryAddWithoutValidation("ce-id", e.EventId);
        headers.TryAddWithoutValidation("ce-time", time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation("ce-signature", CloudEventSignature.Create(e.ConnectionId, options.Value.Keys));
        headers.TryAddWithoutValidation("ce-connectionId", e.ConnectionId);
        headers.TryAddWithoutValidation("ce-hub", e.Hub);
        headers.TryAddWithoutValidation("ce-eventName", e.EventName);
        if (!string.IsNullOrEmpty(e.UserId))
        {
            headers.TryAddWithoutValidation("ce-userId", e.UserId);
        }

        if (!string.IsNullOrEmpty(e.Subprotocol))
        {
            headers.TryAddWithoutValidation("ce-subprotocol", e.Subprotocol);
        }

        if (!string.IsNullOrEmpty(e.ConnectionState))
        {
            headers.TryAddWithoutValidation("ce-connectionState", e.ConnectionState);
        }

        return request;
    }

    private async Task<UpstreamResponse> WithRetriesAsync(Func<HttpRequestMessage> build, string eventName, CancellationToken cancellationToken)
    {
        var delays = options.Value.UpstreamRetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            var response = await TrySendAsync(build, cancellationToken);
            var retryable = response.StatusCode is 0 or (int)HttpStatusCode.RequestTimeout or >= 500;
            if (!retryable || attempt >= delays.Length)
            {
                return response;
            }

            logger.LogInformation("Upstream {Event} answered {Status}; retrying in {Delay}", eventName, response.StatusCode, delays[attempt]);
            await Task.Delay(delays[attempt], time, cancellationToken);
        }
    }

    private async Task<UpstreamResponse> TrySendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        using var request = build();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            string? state = response.Headers.TryGetValues("ce-connectionState", out var values) ? values.FirstOrDefault() ?? "" : null;
            if (request.Method == HttpMethod.Options && response.IsSuccessStatusCode)
            {
                var allowed = response.Headers.TryGetValues("WebHook-Allowed-Origin", out var origins) ? origins.FirstOrDefault() : null;
                var origin = request.Headers.GetValues("WebHook-Request-Origin").First();
                if (allowed is null || (allowed != "*" && !allowed.Split(',', StringSplitOptions.TrimEntries).Contains(origin, StringComparer.OrdinalIgnoreCase)))
                {
                    return new UpstreamResponse(403, null, [], null);
                }
            }

            return new UpstreamResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, state);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Upstream {Url} unreachable: {Reason}", request.RequestUri, ex.GetType().Name);
            return new UpstreamResponse(0, null, [], null);
        }
    }
}
