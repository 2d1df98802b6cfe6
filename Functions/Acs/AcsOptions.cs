using System.ComponentModel.DataAnnotations;
using Collab.Functions.Configuration;
using Collab.Protocols.Acs;

namespace Collab.Functions.Acs;

/// <summary>Azure Communication Services settings, section <c>Acs</c> (<c>Acs__ConnectionString</c> in app settings).</summary>
public sealed class AcsOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Acs";

    /// <summary>Every token scope the identity API knows (shared/protocols/acs-identity.md §5).</summary>
    public static readonly IReadOnlySet<string> KnownScopes = new HashSet<string>(StringComparer.Ordinal) { "chat", "voip", "chat.join", "chat.join.limited", "voip.join" };

    /// <summary>
    /// The scopes users' tokens may carry. <c>chat.join.limited</c> lets a participant read and post but not create,
    /// delete or update threads nor add or remove participants (acs-identity.md §5): only the communication controller
    /// (<c>AcsServiceIdentity</c>, scope <c>chat</c>) runs the boards' threads.
    /// </summary>
    public static readonly IReadOnlySet<string> UserScopes = new HashSet<string>(StringComparer.Ordinal) { "chat.join.limited", "voip", "voip.join" };

    private static readonly string[] DefaultScopes = ["chat.join.limited", "voip"];
    private static readonly TimeSpan[] DefaultRetryDelays = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    /// <summary><c>endpoint=...;accesskey=...</c>, a Key Vault reference on Azure.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>The identity API version sent on every request.</summary>
    [Required]
    [RegularExpression(@"^\d{4}-\d{2}-\d{2}(-preview)?$", ErrorMessage = "Acs:ApiVersion must look like 2023-10-01.")]
    public string ApiVersion { get; set; } = "2023-10-01";

    /// <summary>
    /// The scopes a user's token may carry (a subset of <see cref="UserScopes"/>); a request asks for a subset, and gets
    /// all of them by default. Empty means <c>chat.join.limited, voip</c> (an array default would be appended to by the
    /// configuration binder, not replaced).
    /// </summary>
    public string[] Scopes { get; set; } = [];

    /// <summary>Token lifetime; the service accepts 60 to 1440 minutes, and short is safer.</summary>
    [Range(60, 1440)]
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>Waits before each retry of a 429, 5xx or network failure; empty means 0.5 s, 1 s, 2 s.</summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>The chat data-plane API version (shared/protocols/acs-chat-rooms.md §3).</summary>
    [Required]
    [RegularExpression(@"^\d{4}-\d{2}-\d{2}(-preview)?$", ErrorMessage = "Acs:ChatApiVersion must look like 2025-03-15.")]
    public string ChatApiVersion { get; set; } = "2025-03-15";

    /// <summary>The Rooms API version (shared/protocols/acs-chat-rooms.md §8).</summary>
    [Required]
    [RegularExpression(@"^\d{4}-\d{2}-\d{2}(-preview)?$", ErrorMessage = "Acs:RoomsApiVersion must look like 2025-03-13.")]
    public string RoomsApiVersion { get; set; } = "2025-03-13";

    /// <summary>
    /// The ACS endpoint that clients' SDKs use, returned by <c>POST /api/boards/{id}/chat</c>; empty means the
    /// connection string's endpoint. Locally the emulator's HTTPS origin, because the chat SDK refuses bearer tokens
    /// over plain http (shared/protocols/acs-chat-rooms.md rule 1) while this app talks to its plain-http origin.
    /// </summary>
    public string ClientEndpoint { get; set; } = "";

    /// <summary>
    /// The secret Event Grid sends in the <c>X-Collab-Events-Secret</c> header (a static delivery attribute marked
    /// secret) on every delivery to <c>/api/acs/events</c>; a Key Vault reference on Azure. Empty means the webhook
    /// refuses every delivery.
    /// </summary>
    public string EventsSecret { get; set; } = "";

    /// <summary>
    /// The secret before the last rotation, accepted as well while Event Grid may still send it (a Key Vault reference
    /// on Azure); empty or blank when there is none (Key Vault holds a blank value then).
    /// </summary>
    public string EventsPreviousSecret { get; set; } = "";

    /// <summary>
    /// How long a board's room is valid from its creation or renewal (1 hour to 180 days, the service's limit;
    /// default 30 days); <c>POST /api/boards/{id}/call</c> renews it once less than half of this remains.
    /// </summary>
    public TimeSpan RoomValidity { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The parsed connection string; valid once options validation has passed (a method, so validation never evaluates it early).</summary>
    public AcsConnectionString ParseConnection() => AcsConnectionString.Parse(ConnectionString);

    /// <summary>The endpoint clients' SDKs use: <see cref="ClientEndpoint"/>, or the connection string's.</summary>
    public Uri EffectiveClientEndpoint() => ClientEndpoint.Length > 0 ? new Uri(ClientEndpoint) : ParseConnection().Endpoint;

    /// <summary>The configured scopes, or the default <c>chat.join.limited, voip</c>.</summary>
    public IReadOnlyList<string> AllowedScopes() => Scopes.Length > 0 ? Scopes : DefaultScopes;

    /// <summary>The secrets a delivery to <c>/api/acs/events</c> may carry: the current one and the previous one, when set.</summary>
    public IReadOnlyList<string> EventsSecrets() => new[] { EventsSecret, EventsPreviousSecret }.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();

    /// <summary>The configured retry delays, or the defaults.</summary>
    public IReadOnlyList<TimeSpan> EffectiveRetryDelays() => RetryDelays.Length > 0 ? RetryDelays : DefaultRetryDelays;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var error in KeyVaultReference.CheckConnectionString(ConnectionString, "Acs:ConnectionString", value => AcsConnectionString.Parse(value)))
        {
            yield return error;
        }

        foreach (var scope in Scopes.Where(s => !KnownScopes.Contains(s)))
        {
            yield return new ValidationResult($"Acs:Scopes holds '{scope}', which is not an ACS token scope.", [nameof(Scopes)]);
        }

        foreach (var scope in Scopes.Where(s => KnownScopes.Contains(s) && !UserScopes.Contains(s)))
        {
            yield return new ValidationResult($"Acs:Scopes holds '{scope}', which would let users run the boards' chat threads; users' tokens may carry only {string.Join(", ", UserScopes.Order(StringComparer.Ordinal))}.", [nameof(Scopes)]);
        }

        if (ClientEndpoint.Length > 0 && (!Uri.TryCreate(ClientEndpoint, UriKind.Absolute, out var client) || client.Scheme is not ("https" or "http") || client.AbsolutePath != "/" || client.Query.Length > 0))
        {
            yield return new ValidationResult("Acs:ClientEndpoint must be an absolute http(s) origin with no path, e.g. https://contoso.communication.azure.com/.", [nameof(ClientEndpoint)]);
        }

        foreach (var (value, name, member) in new[] { (EventsSecret, "Acs:EventsSecret", nameof(EventsSecret)), (EventsPreviousSecret.Trim(), "Acs:EventsPreviousSecret", nameof(EventsPreviousSecret)) })
        {
            var unresolved = KeyVaultReference.CheckResolved(value, name).ToList();
            foreach (var error in unresolved)
            {
                yield return error;
            }

            if (unresolved.Count == 0 && (value.Length is > 0 and < 16 || value.Length > 256 || value.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or '~'))))
            {
                yield return new ValidationResult($"{name} must be 16-256 characters (A-Z, a-z, 0-9, '-', '_', '.', '~'), or empty.", [member]);
            }
        }

        if (RoomValidity < TimeSpan.FromHours(1) || RoomValidity > TimeSpan.FromDays(180))
        {
            yield return new ValidationResult("Acs:RoomValidity must be between 1 hour and 180 days (the service's limit).", [nameof(RoomValidity)]);
        }

        if (RetryDelays.Any(d => d < TimeSpan.Zero || d > TimeSpan.FromMinutes(1)))
        {
            yield return new ValidationResult("Acs:RetryDelays must each be between 0 and 1 minute.", [nameof(RetryDelays)]);
        }
    }
}
