using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>The HTTP the gateway port speaks before a WebSocket exists: what does not become one is answered and closed.</summary>
public sealed class GatewayHttpTests(GatewayServer server) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task PlainGet_WithAValidQuery_Gets400Envelope()
    {
        var userId = await server.NewUserAsync("http");
        var token = await server.TokenAsync(userId, 5);
        using var http = new HttpClient();

        using var answer = await http.GetAsync(
            server.Url(GatewayClient.SdkQuery(userId, token, 5)).Replace("ws://", "http://", StringComparison.Ordinal),
            TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(400, (int)answer.StatusCode);
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1001, body.GetProperty("errCode").GetInt32());
        Assert.Contains("WebSocket", body.GetProperty("errDlt").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello\r\n\r\n")]
    [InlineData("GET no-slash HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nno colon here\r\n\r\n")]
    // Whitespace in a field name: before its colon, or an obs-fold (RFC 9112 sections 5.1 and 5.2).
    [InlineData("GET / HTTP/1.1\r\nHost : x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n X-Folded: y\r\n\r\n")]
    // A name that is not a token, and control characters in a value (RFC 9110 sections 5.6.2 and 5.5).
    [InlineData("GET / HTTP/1.1\r\nX@Name: y\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nX\"Quoted: y\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\u007fy\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\u001by\r\n\r\n")]
    public async Task HeadThatIsNotHttp_Gets400_AndTheConnectionCloses(string head)
    {
        var answer = await ExchangeAsync(head);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("\"errCode\":1001", answer, StringComparison.Ordinal);
        Assert.Contains("not HTTP/1.1", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderValue_WithTabsAndObsText_IsHttp()
    {
        // A Latin-1 é (obs-text) and a tab inside a value are allowed: the head is answered as the same head without
        // that header is.
        var with = await ExchangeAsync("GET / HTTP/1.1\r\nHost: x\r\nX-Note: caf\u00e9\tau lait\r\n\r\n");
        var without = await ExchangeAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", without, StringComparison.Ordinal);
        Assert.Equal(without, with);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: x\n\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\nX-Hidden: y\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\rX-Hidden: y\r\n\r\n")]
    public async Task HeadWithLinesNotEndingInCrlf_Gets400_WithoutWaitingForTheHeadTimeout(string head)
    {
        // Act
        var answer = await ExchangeAsync(head); // one that waited for the 30 s head timeout fails after FrameTimeout (10 s)

        // Assert
        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("\"errCode\":1001", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404)]
    [InlineData("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", 200)]
    [InlineData("HEAD / HTTP/1.1\nHost: x\n\n", 400)]
    public async Task HeadRequest_GetsContentLength_ButNoBody(string head, int status)
    {
        // Act
        var answer = await ExchangeAsync(head);

        // Assert
        Assert.StartsWith($"HTTP/1.1 {status} ", answer, StringComparison.Ordinal);
        Assert.Equal(answer.Length - 4, answer.IndexOf("\r\n\r\n", StringComparison.Ordinal));
        Assert.True(ContentLength(answer) > 0);
    }

    [Fact]
    public async Task HeadRequest_GetsTheHeadersGetGets()
    {
        // Act
        var get = await ExchangeAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var head = await ExchangeAsync("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");

        // Assert
        Assert.Equal(get[..(get.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)], head);
        Assert.Equal(get.Length - head.Length, ContentLength(head));
    }

    [Fact]
    public async Task OversizeHead_Gets431_AndTheConnectionCloses()
    {
        var answer = await ExchangeAsync($"GET / HTTP/1.1\r\nX-Filler: {new string('x', 40_000)}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpgradeWithAnUnsupportedVersion_IsNotAWebSocket_AndGets400()
    {
        var userId = await server.NewUserAsync("http");
        var token = await server.TokenAsync(userId, 5);

        var answer = await ExchangeAsync($"GET /{GatewayClient.SdkQuery(userId, token, 5)} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
    }

    private static int ContentLength(string answer)
    {
        const string name = "\r\nContent-Length: ";
        var start = answer.IndexOf(name, StringComparison.OrdinalIgnoreCase) + name.Length;
        return int.Parse(answer.AsSpan(start, answer.IndexOf('\r', start) - start), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends <paramref name="head"/> on a raw connection and reads until the server closes it.</summary>
    private async Task<string> ExchangeAsync(string head)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Process.GatewayPort, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head), TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(GatewayClient.FrameTimeout);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token); // ends when the server closes the connection
        return Encoding.ASCII.GetString(answer.ToArray());
    }
}
