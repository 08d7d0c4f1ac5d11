using System.Net;
using System.Net.Sockets;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Hosting;

internal static class StartupErrors
{
    /// <summary>Prints each problem on its own line and returns the exit code for "bad configuration".</summary>
    public static int Report(IEnumerable<string> errors)
    {
        Console.Error.WriteLine("OpenImAuth cannot start; fix the configuration:");
        foreach (var error in errors)
        {
            Console.Error.WriteLine("  " + error);
        }
        return 2;
    }
}

/// <summary>Finds configured ports that another process already listens on, so start-up can name them plainly.</summary>
internal static class PortsInUse
{
    public static List<string> Find(ServerSettings settings)
    {
        var taken = new List<string>();
        foreach (var (port, key) in settings.ApiPorts.Select(p => (p, "api.openImApiPort"))
                     .Concat(settings.Gateway.Ports.Select(p => (p, "longConnSvr.openImWsPort"))))
        {
            using var probe = new Socket(settings.ListenIp.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            // As Kestrel binds: connections of an earlier run still in TIME_WAIT do not make a port taken (Windows
            // ignores TIME_WAIT for a listener anyway, and there the option would let the probe share a taken port).
            if (!OperatingSystem.IsWindows())
            {
                probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            try
            {
                probe.Bind(new IPEndPoint(settings.ListenIp, port));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                taken.Add($"{key}: {settings.ListenIp}:{port} is already in use by another process");
            }
        }
        return taken;
    }
}
