using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

/// <summary>
/// The platform's floor for an idle WebSocket, below Kestrel: raw sockets, the smallest handshake that a standard
/// client accepts (RFC 6455 section 4.2.2, no validation beyond finding the key), .NET's own WebSocket over a
/// NetworkStream, one login frame, then a pending receive. Only for measuring memory per idle connection.
/// </summary>
internal static class RawWebSockets
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static readonly byte[] LoggedIn = "{\"errCode\":0,\"errMsg\":\"\",\"errDlt\":\"\"}"u8.ToArray();

    public static async Task RunAsync(int port)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1024);
        while (true)
        {
            var client = await listener.AcceptAsync();
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private static async Task ServeAsync(Socket client)
    {
        try
        {
            if (await HandshakeAsync(new NetworkStream(client, ownsSocket: true)) is not { } socket)
            {
                return;
            }
            using (socket)
            {
                await socket.SendAsync(LoggedIn, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                var buffer = new byte[256];
                while (socket.State == WebSocketState.Open)
                {
                    if ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or WebSocketException)
        {
            // The client went away.
        }
    }

    // A separate method, so that the handshake's buffers are garbage once the connection is idle.
    private static async Task<WebSocket?> HandshakeAsync(NetworkStream stream)
    {
        var request = new byte[4096];
        var length = 0;
        string text;
        do
        {
            var read = await stream.ReadAsync(request.AsMemory(length));
            if (read == 0 || (length += read) == request.Length)
            {
                await stream.DisposeAsync();
                return null;
            }
            text = Encoding.ASCII.GetString(request, 0, length);
        }
        while (!text.Contains("\r\n\r\n", StringComparison.Ordinal));
        var key = text.Split("\r\n")
            .Where(line => line.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))
            .Select(line => line["Sec-WebSocket-Key:".Length..].Trim())
            .FirstOrDefault() ?? "";
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept key; it is not used for security here
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
    }
}
