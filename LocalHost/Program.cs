using System.Net.Sockets;
using Collab.LocalHost.Hosting;
using Collab.LocalHost.Worker;

// The local Functions host. Usage: dotnet Collab.LocalHost.dll [--port 7071] [--settings file] [--app folder] [--web folder]
// [--allowed-hosts "localhost;127.0.0.1;[::1]"] (the host names it answers, for DNS rebinding protection)
// [--service-name collab-functions-host] (its name in traces, when OTEL_EXPORTER_OTLP_ENDPOINT is set)
var arguments = new ConfigurationBuilder().AddCommandLine(args).Build();
var root = Directory.GetCurrentDirectory();
var port = int.TryParse(arguments["port"], out var p) ? p : 7071;
var options = new LocalHostOptions
{
    Url = $"http://localhost:{port}",
    FunctionAppDirectory = arguments["app"] ?? Path.Combine(root, "Functions", "bin", "Release", "net10.0"),
    WebRoot = arguments["web"] ?? Path.Combine(root, "web"),
};
if (arguments["allowed-hosts"] is { } allowedHosts)
{
    options.AllowedHosts = allowedHosts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

var settingsPath = arguments["settings"] ?? LocalSettings.Choose(root);
var settings = LocalSettings.Load(settingsPath);
// Spans go to an OTLP viewer (scripts/start.sh starts one) only when OTEL_EXPORTER_OTLP_ENDPOINT names it. The worker
// inherits that endpoint; it is a service of its own, as on Azure, unless the environment or the settings name it.
var otlpEndpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
using var tracing = HostTelemetry.StartExporting(otlpEndpoint, arguments["service-name"] ?? "collab-functions-host");
if (tracing is not null)
{
    settings.TryAdd("OTEL_SERVICE_NAME", HostTelemetry.DefaultWorkerServiceName);
}

LocalFunctionsHost host;
try
{
    host = await LocalFunctionsHost.StartAsync(options, settings, logging => logging
        .AddSimpleConsole(o => o.SingleLine = true)
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter("System.Net.Http", LogLevel.Warning)
        .AddFilter("Grpc", LogLevel.Warning)
        .AddFilter("Yarp", LogLevel.Warning));
}
catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"Port {port} is already in use, so the functions host cannot listen on it. Stop what uses it, or pass --port.");
    return 1;
}
catch (Exception ex) when (ex is WorkerStartException or InvalidOperationException or FileNotFoundException)
{
    Console.Error.WriteLine($"The local functions host cannot start: {ex.Message}");
    return 1;
}

await using (host)
{
    Console.WriteLine($"Functions     {host.BaseAddress}api/...   (settings: {Path.GetFileName(settingsPath)}; worker process {host.Worker.Current?.ProcessId})");
    Console.WriteLine($"Web app       {host.BaseAddress}");
    Console.WriteLine($"Dev sign-in   {host.BaseAddress}.auth/login");
    await host.WaitForShutdownAsync();
}

return 0;
