using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Collab.Boards.Errors;
using Collab.Functions.Acs;
using Collab.Functions.Http;
using Collab.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Communication;

/// <summary>
/// The Event Grid webhook of the ACS resource's system topic (<c>OPTIONS|POST /api/acs/events</c>,
/// shared/protocols/acs-chat-rooms.md §10–§12).
/// <list type="bullet">
/// <item><b>Authentication</b>: every delivery must carry the header <see cref="SecretHeader"/> equal to
/// <c>Acs:EventsSecret</c> or, during a rotation, <c>Acs:EventsPreviousSecret</c>, compared in constant time (as SHA-256
/// digests, so the length leaks nothing either). Event Grid sends it as a static delivery attribute marked secret
/// (§11 (c); <c>deliveryAttributeMappings</c> in infra/main.bicep), so it is in no URL and no request log. Nothing else
/// is checked: the path is excluded from App Service Authentication, and no Entra token is configured or read. With no
/// secret configured every delivery is refused. Refusals are 401, which Event Grid does not retry.</item>
/// <item><b>Handshakes</b>: Event Grid schema (<c>aeg-event-type: SubscriptionValidation</c> → 200
/// <c>{validationResponse}</c>) and CloudEvents (<c>OPTIONS</c> with <c>WebHook-Request-Origin</c>). Whether Event Grid
/// sends delivery attributes on these is not documented, so a handshake without the header is answered (answering
/// grants nothing: no delivery is relayed without the secret); one with a wrong secret is 401.</item>
/// <item><b>Deliveries</b>: Event Grid schema (an array) or CloudEvents 1.0 (structured, one or a batch); a body the
/// parsers refuse is 400 (not retried). Chat message events are relayed by <see cref="ChatEventRelay"/>; other events
/// are acknowledged and ignored.</item>
/// </list>
/// </summary>
public sealed class AcsEventsWebhook(ChatEventRelay relay, IOptions<AcsOptions> options, ILogger<AcsEventsWebhook> logger)
{
    /// <summary>The header carrying the webhook's secret, set by the subscription's static delivery attribute.</summary>
    public const string SecretHeader = "X-Collab-Events-Secret";

    private const int MaxBodyBytes = 1024 * 1024;
    private const string ValidationEventType = "Microsoft.EventGrid.SubscriptionValidationEvent";

    /// <summary>Handles one request of Event Grid.</summary>
    public async Task<IActionResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var eventType = request.Headers["aeg-event-type"].ToString();
        var handshake = HttpMethods.IsOptions(request.Method) || eventType == "SubscriptionValidation";
        if (Refusal(request, handshake) is { } refused)
        {
            logger.LogWarning("Refused an ACS events request: {Reason}", refused);
            return ProblemResult.UnauthenticatedUpstream("The request is not authenticated as this app's Event Grid subscription.");
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            return Handshake(request);
        }

        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        var cloudEvents = (request.ContentType ?? "").StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase);
        try
        {
            switch (eventType)
            {
                case "SubscriptionValidation" when !cloudEvents:
                    return Validate(BinaryData.FromBytes(body));
                case "SubscriptionDeletion" or "Unsubscribe":
                    return new OkResult();
                case "Notification" or "":
                    var relayed = cloudEvents
                        ? await relay.RelayAsync(CloudEvent.ParseMany(BinaryData.FromBytes(body)).Select(ChatEvent.From), cancellationToken)
                        : await relay.RelayAsync(EventGridEvent.ParseMany(BinaryData.FromBytes(body)).Select(ChatEvent.From), cancellationToken);
                    logger.LogInformation("ACS events delivered: {Relayed} chat messages relayed", relayed);
                    return new OkResult();
                default:
                    throw new InvalidRequestException($"aeg-event-type '{Truncate(eventType)}' is not one Event Grid sends.");
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            logger.LogWarning("Refused an ACS events delivery: the body is not valid ({Error})", ex.GetType().Name);
            throw new InvalidRequestException("The body is not a valid Event Grid or CloudEvents delivery.");
        }
    }

    private string? Refusal(HttpRequest request, bool handshake)
    {
        var given = request.Headers[SecretHeader];
        if (handshake && given.Count == 0)
        {
            return null;
        }

        var secrets = options.Value.EventsSecrets();
        if (secrets.Count == 0)
        {
            return "Acs:EventsSecret is not configured";
        }

        if (given.Count != 1)
        {
            return $"the {SecretHeader} header is missing";
        }

        // Every configured secret is compared, so the time taken does not tell which one matched.
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(given.ToString()));
        var matched = false;
        foreach (var secret in secrets)
        {
            matched |= CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        }

        return matched ? null : $"the {SecretHeader} header is wrong";
    }

    // CloudEvents abuse protection (CE-HOOK §4): consent is the allowed-origin header, not the status.
    private static IActionResult Handshake(HttpRequest request)
    {
        var origin = request.Headers["WebHook-Request-Origin"].ToString();
        if (origin.Length is 0 or > 253 || origin.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new InvalidRequestException("WebHook-Request-Origin is required for the CloudEvents handshake.");
        }

        var headers = request.HttpContext.Response.Headers;
        headers["WebHook-Allowed-Origin"] = origin;
        headers["WebHook-Allowed-Rate"] = "*";
        headers.Allow = "POST";
        return new OkResult();
    }

    private IActionResult Validate(BinaryData body)
    {
        foreach (var validation in EventGridEvent.ParseMany(body))
        {
            if (validation.EventType == ValidationEventType && validation.TryGetSystemEventData(out var data) && data is SubscriptionValidationEventData { ValidationCode: { Length: > 0 } code })
            {
                logger.LogInformation("Answered the Event Grid subscription validation handshake");
                return new ContentResult
                {
                    Content = JsonSerializer.Serialize(new { validationResponse = code }),
                    ContentType = MediaTypeNames.Application.Json,
                    StatusCode = StatusCodes.Status200OK,
                };
            }
        }

        throw new InvalidRequestException("A SubscriptionValidation request must carry a Microsoft.EventGrid.SubscriptionValidationEvent with a validationCode.");
    }

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
