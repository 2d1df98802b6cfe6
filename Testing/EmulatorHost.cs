using System.Security.Cryptography.X509Certificates;
using Collab.Emulators;
using Collab.Emulators.AcsChat;
using Collab.Emulators.AcsFaults;
using Collab.Emulators.AcsIdentity;
using Collab.Emulators.AcsRooms;
using Collab.Emulators.WebPubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Collab.Testing;

/// <summary>Both emulators hosted in-process on free loopback ports.</summary>
public sealed class EmulatorHost : IAsyncLifetime
{
    private WebApplication? _webPubSub;
    private WebApplication? _acs;

    /// <summary>Options the Web PubSub emulator reads live, so a test can add hubs and handlers after start.</summary>
    public WebPubSubEmulatorOptions WebPubSubOptions { get; } = new()
    {
        SecondaryAccessKey = "SECONDARYKEY-abcdefghijklmnopqrstuvwxyz0123",
        UpstreamRetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(150)],
        RecoveryWindow = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// Where the tests' ACS emulators keep their development certificate: one directory per machine user, reused across
    /// runs while valid (the emulator creates it under a lock, so parallel hosts share it).
    /// </summary>
    public static string TestCertificateDirectory { get; } = Path.Combine(Path.GetTempPath(), $"collab-acs-emulator-cert-{Environment.UserName}");

    public AcsIdentityEmulatorOptions AcsOptions { get; } = new() { Https = new AcsHttpsOptions { CertificateDirectory = TestCertificateDirectory } };

    public Uri WebPubSubEndpoint { get; private set; } = null!;

    public Uri AcsEndpoint { get; private set; } = null!;

    /// <summary>The ACS emulator's HTTPS origin, <c>https://localhost:{port}/</c> (the chat SDK needs TLS).</summary>
    public Uri AcsHttpsEndpoint { get; private set; } = null!;

    /// <summary>The development certificate's PEM, for <c>NODE_EXTRA_CA_CERTS</c> (NodeScript sets it).</summary>
    public string AcsCertificatePath => Path.Combine(TestCertificateDirectory, DevelopmentCertificate.CertificateFileName);

    /// <summary>Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, for chromium's <c>--ignore-certificate-spki-list</c>.</summary>
    public string AcsCertificateSpki { get; private set; } = null!;

    /// <summary>The ACS emulator's chat threads, to count what a test created.</summary>
    public ChatStore AcsChat => _acs!.Services.GetRequiredService<ChatStore>();

    /// <summary>The ACS emulator's identities, to count what a test created.</summary>
    public IdentityStore AcsIdentities => _acs!.Services.GetRequiredService<IdentityStore>();

    /// <summary>The ACS emulator's rooms, to see a room's participants and roles.</summary>
    public RoomStore AcsRooms => _acs!.Services.GetRequiredService<RoomStore>();

    /// <summary>Makes the ACS emulator fail chosen requests on purpose.</summary>
    public AcsFaultInjector AcsFaults => _acs!.Services.GetRequiredService<AcsFaultInjector>();

    public string WebPubSubConnectionString => $"Endpoint={WebPubSubEndpoint.GetLeftPart(UriPartial.Authority)};AccessKey={WebPubSubOptions.AccessKey};Version=1.0;";

    public string AcsConnectionString => $"endpoint={AcsEndpoint};accesskey={AcsOptions.AccessKey}";

    public async Task InitializeAsync()
    {
        _webPubSub = WebPubSubEmulatorApp.Create(WebPubSubOptions, "http://127.0.0.1:0");
        _acs = AcsIdentityEmulatorApp.Create(AcsOptions, "http://127.0.0.1:0", httpsUrl: "https://127.0.0.1:0");
        await _webPubSub.StartAsync();
        await _acs.StartAsync();
        WebPubSubEndpoint = Address(_webPubSub);
        var acsAddresses = _acs.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        AcsEndpoint = new Uri(acsAddresses.First(a => a.StartsWith("http:", StringComparison.Ordinal)).TrimEnd('/') + "/");
        AcsHttpsEndpoint = new Uri($"https://localhost:{new Uri(acsAddresses.First(a => a.StartsWith("https:", StringComparison.Ordinal))).Port}/");
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(AcsCertificatePath));
        AcsCertificateSpki = DevelopmentCertificate.Spki(certificate);
    }

    /// <summary>Stops the Web PubSub emulator, dropping every connection, and starts a fresh one on the same port after <paramref name="downtime"/>.</summary>
    public async Task RestartWebPubSubAsync(TimeSpan downtime)
    {
        await _webPubSub!.StopAsync();
        await _webPubSub.DisposeAsync();
        await Task.Delay(downtime);
        _webPubSub = WebPubSubEmulatorApp.Create(WebPubSubOptions, WebPubSubEndpoint.GetLeftPart(UriPartial.Authority));
        await _webPubSub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _webPubSub, _acs })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private static Uri Address(WebApplication app) =>
        app.BaseAddress();
}
