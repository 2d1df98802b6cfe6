namespace Collab.LocalHost.Hosting;

/// <summary>Where the local host listens, which worker it runs and what else it serves.</summary>
public sealed class LocalHostOptions
{
    /// <summary>The URL to listen on, <c>http://localhost:7071</c> by default, as Core Tools does.</summary>
    public string Url { get; set; } = "http://localhost:7071";

    /// <summary>The Function App's build output, holding <c>Collab.Functions.dll</c> and <c>host.json</c>.</summary>
    public string FunctionAppDirectory { get; set; } = "Functions/bin/Release/net10.0";

    /// <summary>The static web app, served at <c>/</c>; nothing is served when the folder does not exist.</summary>
    public string WebRoot { get; set; } = "web";

    /// <summary>
    /// The host names (the <c>Host</c> header without its port; IPv6 in brackets) the host answers; any other gets
    /// 400. A page on another site can point its own DNS name at 127.0.0.1 (DNS rebinding) and would then be same-origin
    /// with everything here, dev sign-in included; its requests still name its host. Loopback names by default.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; set; } = ["localhost", "127.0.0.1", "[::1]"];
}
