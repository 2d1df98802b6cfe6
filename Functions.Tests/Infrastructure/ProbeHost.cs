using Collab.LocalHost.Hosting;
using Collab.Testing;
using Microsoft.Extensions.Logging;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The local Functions host running the probe app (<c>LocalHost.TestApp</c>: functions that throw, hang, echo and
/// tick) as its worker, with every log entry of the host and the worker captured.
/// </summary>
public sealed class ProbeHost : IAsyncLifetime
{
    private LocalFunctionsHost? _host;

    public LogCapture Logs { get; } = new();

    /// <summary>The container the probe's blob output writes to.</summary>
    public string Container { get; } = "probe-" + Guid.NewGuid().ToString("N")[..12];

    public LocalFunctionsHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public static string AppDirectory => RepositoryRoot.BuildOutput("LocalHost.TestApp");

    public Dictionary<string, string?> Settings => new()
    {
        ["AzureWebJobsStorage"] = Azurite.ConnectionString,
        ["ProbeContainer"] = Container,
        ["TickSchedule"] = "*/1 * * * * *",
    };

    public HttpClient Client() => new() { BaseAddress = Host.BaseAddress };

    public async Task InitializeAsync() =>
        _host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions { Url = "http://127.0.0.1:0", FunctionAppDirectory = AppDirectory, WebRoot = "" },
            Settings,
            logging => logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace).AddProvider(Logs));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        var folder = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts", "logs"));
        await File.WriteAllLinesAsync(Path.Combine(folder.FullName, Container + ".log"), Logs.Entries);
    }
}
