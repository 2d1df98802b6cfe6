using System.Text.Json;
using System.Text.Json.Nodes;
using Collab.Boards.Errors;
using Collab.Functions.Identity;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Collab.Functions.Mcp;

/// <summary>
/// A board tool: its name, description and hand-written JSON schema (so an agent learns the shapes' fields and limits
/// from <c>tools/list</c>), its arguments read with messages an agent can act on, and every refusal (a
/// <see cref="CollabException"/>: invalid arguments, no such board, a viewer's write, the rate, the size cap) returned
/// as a tool error naming the reason (<c>isError</c>, the text, and <c>{error, message, retryAfterSeconds?}</c> as
/// structured content), never a protocol error or a 500.
/// </summary>
public abstract class BoardTool : McpServerTool
{
    private static readonly TimeSpan UnavailableRetry = TimeSpan.FromSeconds(5);

    private readonly Tool _tool;
    private readonly IReadOnlySet<string> _arguments;
    private readonly ILogger _logger;

    /// <summary>A tool named <paramref name="name"/> taking the object schema <paramref name="inputSchema"/>.</summary>
    protected BoardTool(string name, string title, string description, string inputSchema, ToolAnnotations annotations, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        using var schema = JsonDocument.Parse(inputSchema);
        _tool = new Tool
        {
            Name = name,
            Title = title,
            Description = description,
            InputSchema = schema.RootElement.Clone(),
            Annotations = annotations,
        };
        _arguments = schema.RootElement.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();
        _logger = logger;
    }

    /// <inheritdoc />
    public override Tool ProtocolTool => _tool;

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata { get; } = [];

    /// <inheritdoc />
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = McpCaller.UserOf(request.User);
        if (user is null)
        {
            // The function admits only signed-in callers; a request reaching the tool without one is a wiring fault.
            return Error("unauthenticated", "The request carries no signed-in user.", null);
        }

        try
        {
            var arguments = new ToolArguments(request.Params?.Arguments, _arguments);
            return await RunAsync(new ToolCall(user, McpCaller.AgentOf(request.Server.ClientInfo), arguments), cancellationToken);
        }
        catch (CollabException ex)
        {
            _logger.LogInformation("Tool {Tool} for user {UserId} refused: {Code}", _tool.Name, user.UserId, ex.Code);
            return Error(ex.Code, ex.Message, (ex as RateLimitedException)?.RetryAfter ?? (ex as UnavailableException)?.RetryAfter);
        }
        catch (Exception ex) when (DependencyFailure.IsUnavailable(ex))
        {
            // What the HTTP endpoints answer with 503: nothing the agent did wrong, and a retry (same key) is safe.
            _logger.LogWarning("Tool {Tool} for user {UserId} failed: a dependency is unavailable ({Error})", _tool.Name, user.UserId, ex.GetType().Name);
            return Error("upstream-unavailable", "A dependency is unavailable; retry later (writes: with the same idempotencyKey).", UnavailableRetry);
        }
    }

    /// <summary>Does the tool's work.</summary>
    protected abstract Task<CallToolResult> RunAsync(ToolCall call, CancellationToken cancellationToken);

    /// <summary>A result whose structured content is <paramref name="result"/>, with the same JSON as text for clients that read only text.</summary>
    protected static CallToolResult Json(JsonNode result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = result.ToJsonString() }],
            StructuredContent = JsonSerializer.SerializeToElement(result),
        };
    }

    private static CallToolResult Error(string code, string message, TimeSpan? retryAfter)
    {
        var error = new JsonObject { ["error"] = code, ["message"] = message };
        if (retryAfter is { } wait)
        {
            error["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        }

        return new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = $"{code}: {message}" }],
            StructuredContent = JsonSerializer.SerializeToElement(error),
        };
    }
}

/// <summary>One call of a tool.</summary>
/// <param name="User">The signed-in user the agent acts for.</param>
/// <param name="Agent">The agent's name (<see cref="McpCaller.AgentOf"/>).</param>
/// <param name="Arguments">The arguments.</param>
public sealed record ToolCall(SignedInUser User, string Agent, ToolArguments Arguments);

/// <summary>A tool's arguments, read with errors (<see cref="InvalidRequestException"/>) that name the argument and what it must be.</summary>
public sealed class ToolArguments
{
    private readonly IDictionary<string, JsonElement> _values;

    /// <summary>The arguments; any name outside <paramref name="known"/> is refused.</summary>
    /// <exception cref="InvalidRequestException">An argument is unknown.</exception>
    public ToolArguments(IDictionary<string, JsonElement>? values, IReadOnlySet<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        _values = values ?? new Dictionary<string, JsonElement>();
        if (_values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new InvalidRequestException($"Unknown argument '{(unknown.Length <= 32 ? unknown : unknown[..32] + "…")}'; this tool takes {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        }
    }

    /// <summary>A required string of 1 to <paramref name="maxLength"/> characters.</summary>
    public string String(string name, int maxLength)
    {
        var value = Required(name);
        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && text.Length <= maxLength
            ? text
            : throw new InvalidRequestException($"{name} must be a string of 1 to {maxLength} characters.");
    }

    /// <summary>An optional whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public long Integer(string name, long min, long max, long fallback)
    {
        if (!_values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= min && number <= max
            ? number
            : throw new InvalidRequestException($"{name} must be a whole number from {min} to {max}.");
    }

    /// <summary>A required array of <paramref name="min"/> to <paramref name="max"/> items.</summary>
    public IReadOnlyList<JsonElement> Array(string name, int min, int max)
    {
        var value = Required(name);
        return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() is var count && count >= min && count <= max
            ? [.. value.EnumerateArray()]
            : throw new InvalidRequestException($"{name} must be an array of {min} to {max} items.");
    }

    private JsonElement Required(string name) =>
        _values.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new InvalidRequestException($"{name} is required.");
}
