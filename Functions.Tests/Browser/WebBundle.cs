using System.Diagnostics;
using Collab.Testing;

namespace Collab.Functions.Tests.Browser;

/// <summary>
/// The web app's bundle of the official client SDKs (<c>web/dist/sdks.js</c>, git-ignored), which
/// <c>scripts/build-web.sh</c> makes with esbuild. The browser tests build it when it is missing or older than what it
/// is made of (<c>web/sdks.js</c>, the pinned packages in <c>package-lock.json</c>), so a test never runs a stale app.
/// </summary>
public sealed class WebBundle : IAsyncLifetime
{
    private const string BuildCommand = "scripts/build-web.sh";

    /// <summary>The bundle's path.</summary>
    public static string Path { get; } = System.IO.Path.Combine(RepositoryRoot.Path, "web", "dist", "sdks.js");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var inputs = new[] { System.IO.Path.Combine("web", "sdks.js"), "package-lock.json" }
            .Select(file => File.GetLastWriteTimeUtc(System.IO.Path.Combine(RepositoryRoot.Path, file)));
        if (File.Exists(Path) && inputs.All(input => input <= File.GetLastWriteTimeUtc(Path)))
        {
            return;
        }

        var start = new ProcessStartInfo("bash") { WorkingDirectory = RepositoryRoot.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(BuildCommand);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0 && File.Exists(Path), $"The web app's SDK bundle {Path} is missing and '{BuildCommand}' failed (exit {process.ExitCode}); run it yourself after 'npm ci'.\n{await output}\n{await errors}");
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}
