using System.Text.Json;

namespace Collab.LocalHost.Hosting;

/// <summary>Reads the <c>Values</c> of a <c>local.settings.json</c> as configuration, <c>__</c> becoming <c>:</c>, as Core Tools does.</summary>
public static class LocalSettings
{
    /// <summary><c>local.settings.json</c> in <paramref name="directory"/> when present, else the sample.</summary>
    public static string Choose(string directory)
    {
        var local = Path.Combine(directory, "local.settings.json");
        return File.Exists(local) ? local : Path.Combine(directory, "local.settings.sample.json");
    }

    /// <summary>The settings of <paramref name="path"/>.</summary>
    public static Dictionary<string, string?> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString(), StringComparer.OrdinalIgnoreCase);
    }
}
