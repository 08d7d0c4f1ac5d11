using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Gateway;

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
    private const int LongestBlankLine = 3; // "\n\r\n", see FindBlankLine

    /// <summary>
    /// Reads the request head; null when the client went away, sent no head within the timeout, or sent one that is
    /// not HTTP (it was answered 400 or 431 where that still made sense).
    /// </summary>
    public static async Task<GatewayHttpRequest?> ReadRequestAsync(Stream stream, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(HeadTimeout);
        // Parsed from the bytes: a connect's head is mostly its query (the token), so every copy of it is garbage that
        // each of tens of thousands of connects leaves behind.
        try
        {
            var length = 0;
            var searched = 0; // a head that trickles in is searched once, not from the start on every read
            while (true)
            {
                var end = FindBlankLine(buffer.AsSpan(searched, length - searched));
                if (end >= 0)
                {
                    end += searched;
                    // Only CRLF CRLF ends a head; Parse refuses bare CRs and LFs before it.
                    var crlf = end > 0 && buffer[end - 1] == '\r' && buffer[end + 1] == '\r';
                    if (crlf && Parse(buffer.AsSpan(0, end - 1)) is { } request)
                    {
                        return request;
                    }
                    await AnswerAsync(stream, 400, OpenImErrorBody("the request is not HTTP/1.1"), IsHead(buffer.AsSpan(0, length)), stopping);
                    return null;
                }
                if (length == buffer.Length)
                {
                    if (length >= MaxHeadBytes)
                    {
                        await AnswerAsync(stream, 431, OpenImErrorBody("the request head is too large"), IsHead(buffer), stopping);
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
                searched = Math.Max(0, length - (LongestBlankLine - 1));
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

    /// <summary>
    /// Where the blank line that ends the head starts: the index of the LF that ends the head's last line, or -1.
    /// RFC 9112 section 2.2 lets a server take a bare LF for CRLF, and Kestrel does so on the API ports by default
    /// (dotnet/aspnetcore#66724 means to stop in .NET 11). The gateway answers such a head 400, as no SDK sends one,
    /// but must still see where it ends; else the client waits out the head timeout for a CRLF CRLF that never comes.
    /// </summary>
    private static int FindBlankLine(ReadOnlySpan<byte> bytes)
    {
        var crlf = bytes.IndexOf("\n\r\n"u8); // CRLF CRLF, or a bare LF then CRLF
        var lf = bytes.IndexOf("\n\n"u8);     // LF LF, or CRLF then a bare LF
        return lf < 0 || (uint)crlf < (uint)lf ? crlf : lf; // the earlier one; as uint, -1 is the largest
    }

    // For a head that is refused before it is parsed: whether it still reads as a HEAD request, whose answer has no body.
    private static bool IsHead(ReadOnlySpan<byte> head) => head.StartsWith("HEAD "u8);

    /// <summary>Answers 101 and returns the WebSocket over the connection.</summary>
    public static async Task<WebSocket> AcceptWebSocketAsync(Stream stream, GatewayHttpRequest request, CancellationToken cancellationToken)
    {
        var answer = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            var length = WriteSwitchingProtocols(request.WebSocketKey!, answer);
            await stream.WriteAsync(answer.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer);
        }
        // ASP.NET Core's default keep-alive, which the gateway had on Kestrel: a ping every two minutes.
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromMinutes(2) });
    }

    private static int WriteSwitchingProtocols(string key, Span<byte> answer)
    {
        Span<byte> accept = stackalloc byte[64]; // the key (24 bytes: Parse accepts no other length) and the GUID (36)
        var keyLength = Encoding.ASCII.GetBytes(key, accept);
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.CopyTo(accept[keyLength..]);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept key; it protects nothing here
        SHA1.HashData(accept[..(keyLength + 36)], hash);
#pragma warning restore CA5350
        var prefix = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;
        prefix.CopyTo(answer);
        Base64.EncodeToUtf8(hash, answer[prefix.Length..], out _, out var encoded);
        "\r\n\r\n"u8.CopyTo(answer[(prefix.Length + encoded)..]);
        return prefix.Length + encoded + 4;
    }

    /// <summary>Answers <paramref name="request"/> with OpenIM's envelope and the given status, then closes the connection.</summary>
    public static Task AnswerAsync(Stream stream, GatewayHttpRequest request, ApiResult result, int status, CancellationToken cancellationToken) =>
        AnswerAsync(stream, status, Envelope.ToBytes(result), request.IsHead, cancellationToken);

    private static byte[] OpenImErrorBody(string detail) =>
        Envelope.ToBytes(Core.Errors.OpenImError.Args(detail));

    private static async Task AnswerAsync(Stream stream, int status, byte[] body, bool headOnly, CancellationToken cancellationToken)
    {
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head, cancellationToken);
        if (!headOnly)
        {
            await stream.WriteAsync(body, cancellationToken);
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };

    private static GatewayHttpRequest? Parse(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        var headers = lineEnd < 0 ? default : head[(lineEnd + 2)..];
        var methodEnd = requestLine.IndexOf((byte)' ');
        var targetEnd = methodEnd < 0 ? -1 : requestLine[(methodEnd + 1)..].IndexOf((byte)' ');
        if (methodEnd <= 0 || targetEnd <= 0 || HasBareCrOrLf(requestLine))
        {
            return null;
        }
        var method = requestLine[..methodEnd];
        var target = requestLine.Slice(methodEnd + 1, targetEnd);
        var version = requestLine[(methodEnd + targetEnd + 2)..];
        if (target[0] != '/' || version.Length != 8 || !version.StartsWith("HTTP/1."u8))
        {
            return null;
        }
        bool upgrade = false, connectionUpgrade = false, version13 = false;
        string? key = null;
        while (!headers.IsEmpty)
        {
            var end = headers.IndexOf("\r\n"u8);
            var line = end < 0 ? headers : headers[..end];
            headers = end < 0 ? default : headers[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            var name = colon < 0 ? default : line[..colon];
            // A name is a token (RFC 9110 section 5.6.2): whitespace before the colon must be refused (RFC 9112
            // section 5.1), and so is a line that starts with it, an obs-fold (section 5.2). Trimmed instead, as it
            // was, "Upgrade : websocket" meant one thing to the gateway and another to a proxy in front of it. A value
            // may hold tabs and obs-text but no other control character (section 5.5), NUL and DEL included, as Kestrel.
            var value = colon < 0 ? default : line[(colon + 1)..].Trim(" \t"u8);
            if (name.IsEmpty || name.IndexOfAnyExcept(TokenChars) >= 0 || value.IndexOfAnyExcept(FieldValueChars) >= 0)
            {
                return null;
            }
            if (Ascii.EqualsIgnoreCase(name, "upgrade"u8))
            {
                upgrade = Ascii.EqualsIgnoreCase(value, "websocket"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                connectionUpgrade = HasToken(value, "upgrade"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "sec-websocket-version"u8))
            {
                version13 = value.SequenceEqual("13"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "sec-websocket-key"u8))
            {
                // The key must be 16 bytes in base64 (RFC 6455 section 4.1).
                key = value.Length == 24 && Base64.IsValid(value, out var decoded) && decoded == 16 ? Encoding.ASCII.GetString(value) : null;
            }
        }
        var isWebSocket = method.SequenceEqual("GET"u8) && version.SequenceEqual("HTTP/1.1"u8) && upgrade && connectionUpgrade && version13;
        return new GatewayHttpRequest(method.SequenceEqual("GET"u8) ? "GET" : Encoding.Latin1.GetString(method),
            Encoding.Latin1.GetString(target), isWebSocket ? key : null);
    }

    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<byte> FieldValueChars =
        SearchValues.Create([(byte)'\t', .. Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b), .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    // Lines were split at CRLF, so a CR or LF left in one is bare: a bare LF would end the line for one reader and not
    // for another, and RFC 9112 section 2.2 makes a bare CR invalid.
    private static bool HasBareCrOrLf(ReadOnlySpan<byte> line) => line.IndexOfAny((byte)'\r', (byte)'\n') >= 0;

    /// <summary>Whether a comma-separated header value holds <paramref name="token"/> (any case).</summary>
    private static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }
        return false;
    }
}
