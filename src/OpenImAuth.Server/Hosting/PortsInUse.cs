using System.Net.Sockets;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Hosting;

/// <summary>Finds configured ports that another process already listens on, so start-up can name them plainly.</summary>
internal static class PortsInUse
{
    public static List<string> Find(ServerSettings settings)
    {
        var taken = new List<string>();
        foreach (var (port, key) in settings.ApiPorts.Select(p => (p, "api.openImApiPort"))
                     .Concat(settings.Gateway.Ports.Select(p => (p, "longConnSvr.openImWsPort")))
                     .Concat(settings.Prometheus.Port is { } metrics ? [(metrics, "prometheus.port")] : []))
        {
            try
            {
                ListenSocket.Bind(settings.ListenIp, port).Dispose();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                taken.Add($"{key}: {settings.ListenIp}:{port} is already in use by another process");
            }
        }
        return taken;
    }
}
