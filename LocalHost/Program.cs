using System.Net.Sockets;
using Collab.LocalHost.Hosting;

// The local functions host. Usage: dotnet Collab.LocalHost.dll [--port 7071] [--settings file] [--metadata file] [--web folder]
var arguments = new ConfigurationBuilder().AddCommandLine(args).Build();
var root = Directory.GetCurrentDirectory();
var port = int.TryParse(arguments["port"], out var p) ? p : 7071;
var options = new LocalHostOptions
{
    Url = $"http://localhost:{port}",
    MetadataPath = arguments["metadata"] ?? Path.Combine(root, "Functions", "bin", "Release", "net10.0", "functions.metadata"),
    WebRoot = arguments["web"] ?? Path.Combine(root, "web"),
};
var settingsPath = arguments["settings"] ?? LocalSettings.Choose(root);

WebApplication app;
try
{
    app = LocalFunctionsHost.Create(options, LocalSettings.Load(settingsPath), logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning));
}
catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException or FileNotFoundException)
{
    Console.Error.WriteLine($"The local functions host cannot start: {ex.Message}");
    return 1;
}

try
{
    await app.StartAsync();
}
catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"Port {port} is already in use, so the functions host cannot listen on it. Stop what uses it, or pass --port.");
    return 1;
}

Console.WriteLine($"Functions     {options.Url}/api/...   (settings: {Path.GetFileName(settingsPath)})");
Console.WriteLine($"Web app       {options.Url}/");
Console.WriteLine($"Dev sign-in   {options.Url}/.auth/login");
await app.WaitForShutdownAsync();
return 0;
