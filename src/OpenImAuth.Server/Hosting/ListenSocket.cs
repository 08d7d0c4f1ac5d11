using System.Net;
using System.Net.Sockets;

namespace OpenImAuth.Server.Hosting;

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
