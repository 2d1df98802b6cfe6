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
using Collab.Functions.Identity;
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
/// <item><b>Authentication</b>: every request, handshakes included, must carry <c>?secret=</c> equal to
/// <c>Acs:EventsSecret</c>, compared in constant time (as SHA-256 digests, so the length leaks nothing either); with no
/// secret configured every request is refused. When the platform supplies an Easy Auth principal (App Service
/// Authentication validated an Entra bearer token: signature, issuer, audience), it must also be an <c>aad</c> principal
/// holding the app role <c>AzureEventGridSecureWebhookSubscriber</c> (§11 (a)); the token itself is not re-validated
/// here. Without a principal the secret alone authenticates. Refusals are 401, which Event Grid does not retry.</item>
/// <item><b>Handshakes</b>: Event Grid schema (<c>aeg-event-type: SubscriptionValidation</c> → 200
/// <c>{validationResponse}</c>) and CloudEvents (<c>OPTIONS</c> with <c>WebHook-Request-Origin</c>).</item>
/// <item><b>Deliveries</b>: Event Grid schema (an array) or CloudEvents 1.0 (structured, one or a batch); a body the
/// parsers refuse is 400 (not retried). Chat message events are relayed by <see cref="ChatEventRelay"/>; other events
/// are acknowledged and ignored.</item>
/// </list>
/// </summary>
public sealed class AcsEventsWebhook(ChatEventRelay relay, IOptions<AcsOptions> options, ILogger<AcsEventsWebhook> logger)
{
    /// <summary>The Entra app role Event Grid's identity holds on a secured webhook's app registration.</summary>
    public const string SubscriberRole = "AzureEventGridSecureWebhookSubscriber";

    private const int MaxBodyBytes = 1024 * 1024;
    private const string ValidationEventType = "Microsoft.EventGrid.SubscriptionValidationEvent";

    /// <summary>Handles one request of Event Grid.</summary>
    public async Task<IActionResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Refusal(request) is { } refused)
        {
            logger.LogWarning("Refused an ACS events request: {Reason}", refused);
            return ProblemResult.UnauthenticatedUpstream("The request is not authenticated as this app's Event Grid subscription.");
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            return Handshake(request);
        }

        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        var eventType = request.Headers["aeg-event-type"].ToString();
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

    private string? Refusal(HttpRequest request)
    {
        var secret = options.Value.EventsSecret;
        if (secret.Length == 0)
        {
            return "Acs:EventsSecret is not configured";
        }

        var given = request.Query["secret"];
        if (given.Count != 1 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given.ToString())), SHA256.HashData(Encoding.UTF8.GetBytes(secret))))
        {
            return "the secret is missing or wrong";
        }

        if (request.Headers.ContainsKey(ClientPrincipalReader.PrincipalHeader)
            && !(ClientPrincipalReader.Read(request.Headers) is { IdentityProvider: "aad" } && ClientPrincipalReader.HasRole(request.Headers, SubscriberRole)))
        {
            return $"the Easy Auth principal is not an Entra principal with the role {SubscriberRole}";
        }

        return null;
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
