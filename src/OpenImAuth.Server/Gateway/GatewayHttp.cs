using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Gateway;

/// <summary>The head of the HTTP/1.1 request that opens a gateway connection; the body, if any, is never read.</summary>
internal sealed record GatewayHttpRequest(string Method, PathString Path, QueryString Query, string? WebSocketKey)
{
    /// <summary>A WebSocket upgrade as RFC 6455 section 4.2.1 asks for it: GET, Upgrade, Connection, version 13, a key.</summary>
    public bool IsWebSocket => WebSocketKey is not null;
}

/// <summary>
/// The HTTP the gateway port speaks, on a raw socket instead of Kestrel's HTTP stack: one request head, then either
/// the 101 that turns the connection into a WebSocket, or one answer with OpenIM's envelope and a close. Kestrel keeps
/// its request, response, headers, features and pipes alive for as long as an upgraded connection lasts; the gateway
/// holds tens of thousands of idle connections, so that was most of its memory per connection.
/// </summary>
internal static class GatewayHttp
{
    private const int MaxHeadBytes = 32 * 1024; // Kestrel's default: browsers send the site's cookies with the upgrade
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    /// <summary>
    /// Reads the request head; null when the client went away, sent no head within the timeout, or sent one that is
    /// not HTTP (it was answered 400 or 431 where that still made sense).
    /// </summary>
    public static async Task<GatewayHttpRequest?> ReadRequestAsync(Stream stream, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(HeadTimeout);
        try
        {
            var length = 0;
            var searched = 0; // a head that trickles in is searched once, not from the start on every read
            while (true)
            {
                var end = buffer.AsSpan(searched, length - searched).IndexOf(EndOfHead);
                if (end >= 0)
                {
                    end += searched;
                    if (Parse(Encoding.Latin1.GetString(buffer, 0, end)) is { } request)
                    {
                        return request;
                    }
                    await AnswerAsync(stream, 400, OpenImErrorBody("the request is not HTTP/1.1"), stopping);
                    return null;
                }
                if (length == buffer.Length)
                {
                    if (length >= MaxHeadBytes)
                    {
                        await AnswerAsync(stream, 431, OpenImErrorBody("the request head is too large"), stopping);
                        return null;
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token);
                if (read == 0)
                {
                    return null;
                }
                searched = Math.Max(0, length - (EndOfHead.Length - 1));
                length += read;
            }
        }
        catch (OperationCanceledException)
        {
            return null; // a client that never finishes its head gets no answer (as Kestrel's header timeout)
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Answers 101 and returns the WebSocket over the connection.</summary>
    public static async Task<WebSocket> AcceptWebSocketAsync(Stream stream, GatewayHttpRequest request, CancellationToken cancellationToken)
    {
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept key; it protects nothing here
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(request.WebSocketKey + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"),
            cancellationToken);
        // ASP.NET Core's default keep-alive, which the gateway had on Kestrel: a ping every two minutes.
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromMinutes(2) });
    }

    /// <summary>Answers with OpenIM's envelope and the given status, then closes the connection.</summary>
    public static Task AnswerAsync(Stream stream, ApiResult result, int status, CancellationToken cancellationToken) =>
        AnswerAsync(stream, status, Envelope.ToBytes(result), cancellationToken);

    private static byte[] OpenImErrorBody(string detail) =>
        Envelope.ToBytes(Core.Errors.OpenImError.Args(detail));

    private static async Task AnswerAsync(Stream stream, int status, byte[] body, CancellationToken cancellationToken)
    {
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head, cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };

    private static GatewayHttpRequest? Parse(string head)
    {
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine is not [var method, var target, var version] || !version.StartsWith("HTTP/1.", StringComparison.Ordinal)
            || target.Length == 0 || target[0] != '/')
        {
            return null;
        }
        string? upgrade = null, connection = null, key = null, keyVersion = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }
            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].Trim().ToLowerInvariant())
            {
                case "upgrade": upgrade = value; break;
                case "connection": connection = value; break;
                case "sec-websocket-key": key = value; break;
                case "sec-websocket-version": keyVersion = value; break;
            }
        }
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = PathString.FromUriComponent(question < 0 ? target : target[..question]);
        var query = question < 0 ? QueryString.Empty : new QueryString(target[question..]);
        var isWebSocket = method == "GET" && version == "HTTP/1.1"
            && string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            && connection is not null && connection.Split(',').Any(token => token.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase))
            && keyVersion == "13" && IsValidKey(key);
        return new GatewayHttpRequest(method, path, query, isWebSocket ? key : null);
    }

    /// <summary>The key must be 16 bytes in base64 (RFC 6455 section 4.1).</summary>
    private static bool IsValidKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key is { Length: 24 } && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }
}
