using System.Text.Json;

namespace Collab.LocalHost.Metadata;

/// <summary>
/// Reads <c>functions.metadata</c>, the file the Functions host itself reads, and refuses at start-up anything the
/// local host cannot serve faithfully, so it can never silently drift from what Azure runs.
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

    /// <summary>Reads and checks the file.</summary>
    /// <exception cref="InvalidOperationException">The file is missing, malformed, or declares a binding the local host does not support.</exception>
    public static IReadOnlyList<DeclaredFunction> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} does not exist: build the Functions project first (dotnet build Functions -c Release).");
        }

        var functions = JsonSerializer.Deserialize<List<DeclaredFunction>>(File.ReadAllText(path), Json)
            ?? throw new InvalidOperationException($"{path} is not a JSON array of functions.");
        foreach (var function in functions)
        {
            var unsupported = function.Bindings.Where(b => !Supported.Contains((b.Type, b.Direction))).ToList();
            if (unsupported.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Function '{function.Name}' uses {string.Join(", ", unsupported.Select(b => $"a {b.Type} ({b.Direction}) binding"))}, which the local host does not support. Supported: httpTrigger, http, blob output, timerTrigger.");
            }

            if (function.Bindings.Count(b => b.IsTrigger) != 1)
            {
                throw new InvalidOperationException($"Function '{function.Name}' must have exactly one trigger.");
            }
        }

        return functions;
    }
}
