using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Collab.Emulators;

/// <summary>Where a started web app listens, for apps bound to port 0 (tests, benchmarks).</summary>
public static class WebApplicationAddress
{
    /// <summary>The first address the app listens on, ending in <c>/</c>.</summary>
    public static Uri BaseAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
    }
}
