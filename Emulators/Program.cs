using System.Runtime.InteropServices;
using Collab.Emulators;
using Collab.Emulators.AcsIdentity;
using Collab.Emulators.WebPubSub;

// Runs both emulators in one process, each on its own origin: the ACS SDK requires a bare origin as its endpoint.
var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables("COLLAB_EMULATORS_")
    .AddCommandLine(args, new Dictionary<string, string>
    {
        ["--wps-port"] = "Ports:WebPubSub",
        ["--acs-port"] = "Ports:Acs",
        ["--acs-https-port"] = "Ports:AcsHttps",
        ["--cert-dir"] = "Acs:Https:CertificateDirectory",
        ["--host"] = "Ports:Host",
    })
    .Build();

var host = configuration["Ports:Host"] ?? "localhost";
var wpsPort = configuration.GetValue("Ports:WebPubSub", 8080);
var acsPort = configuration.GetValue("Ports:Acs", 8090);
var acsHttpsPort = configuration.GetValue("Ports:AcsHttps", 8091);
var wpsOptions = configuration.GetSection("WebPubSub").Get<WebPubSubEmulatorOptions>() ?? new WebPubSubEmulatorOptions();
var acsOptions = configuration.GetSection("Acs").Get<AcsIdentityEmulatorOptions>() ?? new AcsIdentityEmulatorOptions();

// Spans go to an OTLP viewer (scripts/start.sh starts one) only when OTEL_EXPORTER_OTLP_ENDPOINT names it.
using var tracing = EmulatorTelemetry.StartExporting(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"), "collab-emulators");

void Logging(ILoggingBuilder logging) => logging.AddSimpleConsole(o => o.SingleLine = true).AddConfiguration(configuration.GetSection("Logging"));

await using var webPubSub = WebPubSubEmulatorApp.Create(wpsOptions, $"http://{host}:{wpsPort}", Logging);
// The ACS origin is served twice: plain http for our own HMAC clients, HTTPS for the chat SDK (it refuses bearer tokens over http).
await using var acs = AcsIdentityEmulatorApp.Create(acsOptions, $"http://{host}:{acsPort}", Logging, $"https://{host}:{acsHttpsPort}");
try
{
    await webPubSub.StartAsync();
    await acs.StartAsync();
}
catch (IOException ex)
{
    Console.Error.WriteLine($"Could not start the emulators: {ex.Message} (is port {wpsPort}, {acsPort} or {acsHttpsPort} already in use? Change it with --wps-port / --acs-port / --acs-https-port.)");
    return 1;
}

Console.WriteLine($"Web PubSub emulator: Endpoint=http://{host}:{wpsPort};AccessKey=<WebPubSub:AccessKey>;Version=1.0;");
Console.WriteLine($"ACS emulator: endpoint=http://{host}:{acsPort}/;accesskey=<Acs:AccessKey>");
Console.WriteLine($"ACS emulator (HTTPS, chat SDK): https://{host}:{acsHttpsPort}/ (certificate {Path.GetFullPath(Path.Combine(acsOptions.Https.CertificateDirectory, DevelopmentCertificate.CertificateFileName))})");
using var stopping = new CancellationTokenSource();
// The web apps' console lifetimes swallow SIGTERM/SIGINT for themselves; these registrations end this process too.
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
}

await Task.WhenAll(webPubSub.StopAsync(), acs.StopAsync());
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}
