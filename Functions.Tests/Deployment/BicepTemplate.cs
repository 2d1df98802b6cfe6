using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;

namespace Collab.Functions.Tests.Deployment;

/// <summary>infra/main.bicep compiled offline by the Bicep CLI from the NuGet package, once per test class.</summary>
public sealed class BicepTemplate : IAsyncLifetime
{
    public static string Bicep => typeof(BicepTemplate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;

    public static string MainBicep => Path.Combine(RepositoryRoot.Path, "infra", "main.bicep");

    public JsonElement Template { get; private set; }

    public (int ExitCode, string Output) Build { get; private set; }

    public (int ExitCode, string Output) Lint { get; private set; }

    public JsonElement Resource(string symbolicName) => Template.GetProperty("resources").GetProperty(symbolicName);

    public IEnumerable<(string Name, JsonElement Resource)> Resources =>
        Template.GetProperty("resources").EnumerateObject().Select(p => (p.Name, p.Value));

    public IReadOnlyDictionary<string, string> AppSettings =>
        Resource("functionApp").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!);

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Bicep), $"The Bicep CLI is missing at {Bicep}: restore the test project.");
        Build = await RunAsync("build", MainBicep, "--stdout");
        Lint = await RunAsync("lint", MainBicep);
        Assert.True(Build.ExitCode == 0, Build.Output);
        Template = JsonDocument.Parse(Build.Output[Build.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.Clone();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<(int, string)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Bicep) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
