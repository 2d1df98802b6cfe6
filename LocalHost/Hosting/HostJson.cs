using System.Globalization;
using System.Text.Json;

namespace Collab.LocalHost.Hosting;

/// <summary>What the host reads from the app's <c>host.json</c>: the HTTP route prefix and the function timeout.</summary>
/// <param name="RoutePrefix"><c>extensions.http.routePrefix</c>; <c>api</c> when absent, empty to serve at the root.</param>
/// <param name="FunctionTimeout"><c>functionTimeout</c>; 30 minutes when absent (the host's default outside Consumption), null for <c>-1</c> (unbounded).</param>
public sealed record HostJson(string RoutePrefix, TimeSpan? FunctionTimeout)
{
    /// <summary>The host's default <c>functionTimeout</c> outside the Consumption plan, Core Tools included.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Reads <c>host.json</c> in <paramref name="directory"/>; defaults when there is none.</summary>
    /// <exception cref="InvalidOperationException">The file is not valid JSON, or <c>functionTimeout</c> is not a time span.</exception>
    public static HostJson Read(string directory)
    {
        var path = Path.Combine(directory, "host.json");
        if (!File.Exists(path))
        {
            return new HostJson("api", DefaultFunctionTimeout);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            var prefix = root.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("http", out var http)
                && http.TryGetProperty("routePrefix", out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!.Trim('/')
                : "api";
            TimeSpan? timeout = DefaultFunctionTimeout;
            if (root.TryGetProperty("functionTimeout", out var configured) && configured.ValueKind == JsonValueKind.String)
            {
                var text = configured.GetString()!;
                timeout = text == "-1" ? null
                    : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero ? parsed
                    : throw new InvalidOperationException($"{path}: functionTimeout '{text}' is not a positive time span (hh:mm:ss) or -1.");
            }

            return new HostJson(prefix, timeout);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {ex.Message}");
        }
    }
}
