using System.Net;
using System.Net.Sockets;

namespace Collab.Testing;

/// <summary>A loopback port that was free a moment ago, for servers a test starts outside this process.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
