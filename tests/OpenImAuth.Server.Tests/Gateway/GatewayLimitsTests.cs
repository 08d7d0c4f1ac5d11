using System.Net.WebSockets;
using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>Connection limit, read timeout and graceful shutdown, each on a server of its own.</summary>
public sealed class GatewayLimitsTests
{
    [Fact]
    public async Task Connect_IsRefused1601_WhenMaxConnNumIsReached_UntilASlotFrees()
    {
        await using var server = await GatewayServer.StartAsync("--longConnSvr.websocketMaxConnNum=1");
        var userId = await server.NewUserAsync();
        var (first, _) = await server.LoginAsync(userId, 5);
        var token = await server.TokenAsync(userId, 3);
        var url = server.Url(GatewayClient.SdkQuery(userId, token, 3));

        // Act: a second connection while the first holds the only slot.
        var refusedStatus = await GatewayClient.ConnectRefusedAsync(url);
        using var http = new HttpClient();
        var refusedBody = await http.GetStringAsync(url.Replace("ws://", "http://", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        // Assert: refused over HTTP (as OpenIM does for the limit), then served once the first has gone.
        Assert.Equal(200, refusedStatus);
        Assert.Equal(1601, JsonDocument.Parse(refusedBody).RootElement.GetProperty("errCode").GetInt32());
        await first.CloseOutputAsync();
        await first.ReceiveAsync(); // the server's answering close
        await first.DisposeAsync();
        await using var second = await ConnectWhenSlotFreesAsync(url);
        await second.ExpectLoggedInAsync();
    }

    [Fact]
    public async Task SilentConnection_IsClosed_AfterWebsocketTimeout_WhileAPingingOneStays()
    {
        // 4 s against pings every 250 ms: a stall of the loaded test machine must be long to break the cadence.
        await using var server = await GatewayServer.StartAsync("--longConnSvr.websocketTimeout=4");
        var (silent, _) = await server.LoginAsync(await server.NewUserAsync(), 5);
        var (pinging, _) = await server.LoginAsync(await server.NewUserAsync(), 5);
        await using var a = silent;
        await using var b = pinging;

        // The pinging client keeps a cadence well inside the timeout for twice its length (a client's heartbeat).
        var closing = silent.ReceiveUntilCloseAsync();
        for (var i = 0; i < 24; i++)
        {
            await pinging.ExpectAliveAsync();
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        var (before, close) = await closing;

        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
        Assert.Equal("read timeout", close.CloseDescription);
        await pinging.ExpectAliveAsync();
    }

    [Fact]
    public async Task Sigterm_ClosesEveryConnectionWithACloseFrame_ThenExits0()
    {
        var server = await GatewayServer.StartAsync();
        try
        {
            var (web, _) = await server.LoginAsync(await server.NewUserAsync(), 5);
            var (ios, _) = await server.LoginAsync(await server.NewUserAsync(), 1);
            await using var a = web;
            await using var b = ios;
            var closes = new[] { web.ReceiveUntilCloseAsync(), ios.ReceiveUntilCloseAsync() };

            var exitCode = await server.Process.TerminateAsync();

            foreach (var (before, close) in await Task.WhenAll(closes))
            {
                Assert.Empty(before);
                Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close.CloseStatus);
            }
            Assert.Equal(0, exitCode);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>The server frees a slot just after the close handshake ends; retries for a bounded time until it has.</summary>
    private static async Task<GatewayClient> ConnectWhenSlotFreesAsync(string url)
    {
        var deadline = DateTime.UtcNow + GatewayClient.FrameTimeout;
        while (true)
        {
            try
            {
                return await GatewayClient.ConnectAsync(url);
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }
}
