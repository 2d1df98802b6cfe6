using System.Text.Json;
using Collab.LocalHost.Rpc;

namespace Collab.LocalHost.Metadata;

/// <summary>
/// Reads the functions the worker declares (worker indexing: each binding a <c>raw_bindings</c> JSON string, the
/// shape of <c>functions.metadata</c>) and refuses, by name, anything this host cannot serve faithfully, so it can
/// never silently drift from what Azure runs.
/// </summary>
public static class FunctionsMetadataReader
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The binding types the local host implements, as (type, direction).</summary>
    public static readonly IReadOnlySet<(string Type, string Direction)> Supported = new HashSet<(string, string)>
    {
        ("httpTrigger", "In"),
        ("http", "Out"),
        ("blob", "Out"),
        ("timerTrigger", "In"),
    };

    /// <summary>The functions of the worker's answer, checked.</summary>
    /// <exception cref="InvalidOperationException">A function declares something the local host does not support.</exception>
    public static IReadOnlyList<DeclaredFunction> Read(FunctionMetadataResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var functions = response.FunctionMetadataResults.Select(metadata => new DeclaredFunction
        {
            Name = metadata.Name,
            FunctionId = metadata.FunctionId,
            Bindings = metadata.RawBindings.Select(raw => JsonSerializer.Deserialize<DeclaredBinding>(raw, Json)
                ?? throw new InvalidOperationException($"Function '{metadata.Name}' declares a binding that is not a JSON object.")).ToList(),
        }).ToList();
        Check(functions);
        return functions;
    }

    /// <summary>Refuses bindings the host does not implement, a function without exactly one trigger, and HTTP functions that need keys.</summary>
    /// <exception cref="InvalidOperationException">What is refused, by function and binding name.</exception>
    public static void Check(IEnumerable<DeclaredFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions)
        {
            var unsupported = function.Bindings.Where(b => !Supported.Contains((b.Type, b.Direction))).ToList();
            if (unsupported.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Function '{function.Name}' uses {string.Join(", ", unsupported.Select(b => $"a {b.Type} ({b.Direction}) binding '{b.Name}'"))}, which the local host does not support. Supported: httpTrigger, http, blob output, timerTrigger.");
            }

            if (function.Bindings.Count(b => b.IsTrigger) != 1)
            {
                throw new InvalidOperationException($"Function '{function.Name}' must have exactly one trigger.");
            }

            // Keys are not implemented: a function- or admin-level function would be open here and closed on Azure.
            if (function.Trigger.Type == "httpTrigger" && !string.Equals(function.Trigger.AuthLevel ?? "Anonymous", "Anonymous", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"Function '{function.Name}' has authLevel {function.Trigger.AuthLevel}; the local host serves anonymous functions only (function keys are not implemented). Use AuthorizationLevel.Anonymous behind App Service Authentication.");
            }
        }
    }
}
