using System.Diagnostics;

namespace Collab.Testing;

/// <summary>
/// Runs a conformance script under Node with the project's pinned npm packages, trusting the ACS emulator's
/// development certificate through <c>NODE_EXTRA_CA_CERTS</c> when the tests' emulators created one.
/// </summary>
public static class NodeScript
{
    /// <summary>Runs <c>conformance/{script}</c> (or <paramref name="script"/> from the repository root when it names a folder) and fails the test, with the script's output, unless it exits 0.</summary>
    public static Task AssertPassesAsync(string script, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        AssertPassesAsync(script, environment, TimeSpan.FromSeconds(90), arguments);

    /// <summary>As above, with a time limit other than 90 s.</summary>
    public static async Task AssertPassesAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeLimit, params string[] arguments)
    {
        var modules = Path.Combine(RepositoryRoot.Path, "node_modules", "@azure");
        Assert.True(Directory.Exists(modules), "node_modules is missing: run 'npm ci' (the README's test command does).");

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = script.Contains('/') ? RepositoryRoot.Path : Path.Combine(RepositoryRoot.Path, "conformance"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Node trusts the ACS emulator's development certificate, as start.sh arranges for the local stack.
        var certificate = Path.Combine(EmulatorHost.TestCertificateDirectory, Collab.Emulators.AcsIdentity.DevelopmentCertificate.CertificateFileName);
        if (File.Exists(certificate))
        {
            start.Environment["NODE_EXTRA_CA_CERTS"] = certificate;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(timeLimit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} {string.Join(' ', arguments)} timed out.\n{await stdout}\n{await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"{script} {string.Join(' ', arguments)} exited {process.ExitCode}.\n{await stdout}\n{await stderr}");
    }
}
