using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>A frame as the client saw it: TEXT or BINARY with its text, or the server's close.</summary>
public sealed record GatewayFrame(WebSocketMessageType Type, string Text, WebSocketCloseStatus? CloseStatus, string? CloseDescription)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement.Clone();

    public bool IsClose => Type == WebSocketMessageType.Close;
}

/// <summary>
/// A raw WebSocket client of the gateway (.NET's <see cref="ClientWebSocket"/>, or the in-memory host's), for
/// frame-level tests. Every receive has a deadline, so a missing frame fails the test instead of hanging it.
/// </summary>
public sealed class GatewayClient : IAsyncDisposable
{
    public static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(10);

    private readonly WebSocket _socket;

    private GatewayClient(WebSocket socket) => _socket = socket;

    /// <summary>Wraps a socket that is already connected.</summary>
    public static GatewayClient Over(WebSocket socket) => new(socket);

    public WebSocketState State => _socket.State;

    /// <summary>The query the JS SDK sends, in its order.</summary>
    public static string SdkQuery(string userId, string token, int platformId, bool isMsgResp = true) =>
        $"?sendID={userId}&token={token}&platformID={platformId}&operationID=op-{userId}&isBackground=false&isMsgResp={(isMsgResp ? "true" : "false")}&sdkType=js";

    public static async Task<GatewayClient> ConnectAsync(string url)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = Deadline();
        await socket.ConnectAsync(new Uri(url), timeout.Token);
        return new GatewayClient(socket);
    }

    /// <summary>Connects and expects the server to refuse the upgrade; returns the HTTP status it answered.</summary>
    public static async Task<int> ConnectRefusedAsync(string url)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = Deadline();
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(url), timeout.Token));
        return (int)socket.HttpStatusCode;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public Task SendBinaryAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Binary);

    public async Task SendAsync(byte[] payload, WebSocketMessageType type)
    {
        using var timeout = Deadline();
        await _socket.SendAsync(payload, type, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next whole frame, or the close; fails the test after <see cref="FrameTimeout"/>.</summary>
    public async Task<GatewayFrame> ReceiveAsync()
    {
        using var timeout = Deadline();
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new GatewayFrame(WebSocketMessageType.Close, "", result.CloseStatus, result.CloseStatusDescription);
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return new GatewayFrame(result.MessageType, Encoding.UTF8.GetString(message.ToArray()), null, null);
            }
        }
    }

    /// <summary>Receives until the server's close frame, answering it; returns the frames before it and the close.</summary>
    public async Task<(List<GatewayFrame> Before, GatewayFrame Close)> ReceiveUntilCloseAsync()
    {
        var before = new List<GatewayFrame>();
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.IsClose)
            {
                await CloseOutputAsync();
                return (before, frame);
            }
            before.Add(frame);
        }
    }

    /// <summary>Sends the handshake's successful first frame check: TEXT <c>{"errCode":0,…}</c>.</summary>
    public async Task ExpectLoggedInAsync()
    {
        var first = await ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, first.Type);
        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":""}""", first.Text);
    }

    /// <summary>A ping answered with a pong proves the connection is up and served.</summary>
    public async Task ExpectAliveAsync()
    {
        await SendTextAsync("""{"type":"ping"}""");
        var pong = await ReceiveAsync();
        Assert.Equal("""{"type":"pong","body":null}""", pong.Text);
    }

    public async Task CloseOutputAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = Deadline();
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static CancellationTokenSource Deadline()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(FrameTimeout);
        return source;
    }
}
