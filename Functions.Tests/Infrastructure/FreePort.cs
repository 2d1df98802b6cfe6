using System.Net;
using System.Net.Sockets;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>A loopback port that was free a moment ago, for servers a test starts outside this process.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
