using System.Net;
using System.Net.Sockets;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Hosting;

internal static partial class StartupErrors
{
    /// <summary>
    /// Prints each problem on its own line and returns the exit code for "bad configuration". Warnings are said too
    /// when start-up fails, since a misspelt key may be why a value is missing.
    /// </summary>
    public static int Report(IEnumerable<string> errors, IReadOnlyList<string>? warnings = null)
    {
        Console.Error.WriteLine("OpenImAuth cannot start; fix the configuration:");
        foreach (var error in errors)
        {
            Console.Error.WriteLine("  " + error);
        }
        if (warnings is { Count: > 0 })
        {
            Console.Error.WriteLine("Warnings:");
            foreach (var warning in warnings)
            {
                Console.Error.WriteLine("  " + warning);
            }
        }
        return 2;
    }

    /// <summary>Logs each warning once, under the category OpenImAuth.Configuration.</summary>
    public static void LogWarnings(ILoggerFactory loggers, IEnumerable<string> warnings)
    {
        var logger = loggers.CreateLogger("OpenImAuth.Configuration");
        foreach (var warning in warnings)
        {
            LogWarning(logger, warning);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);
}

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

/// <summary>A TCP socket bound as Kestrel binds its own, for the gateway's listener and for the start-up probe.</summary>
internal static class ListenSocket
{
    public static Socket Bind(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Connections of an earlier run still in TIME_WAIT do not keep the port (on Windows the option would let
            // two listeners share a port instead), and "::" takes IPv4 clients too.
            if (!OperatingSystem.IsWindows())
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
