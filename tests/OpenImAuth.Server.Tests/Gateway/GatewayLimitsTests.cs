using System.Net.WebSockets;
using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>Connection limit and graceful shutdown, each on a server of its own.</summary>
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

    /// <summary>The server frees a slot just after the close handshake ends, at a moment the client cannot see.</summary>
    private static async Task<GatewayClient> ConnectWhenSlotFreesAsync(string url) =>
        (await Eventually.UntilAsync(() => TryConnectAsync(url), client => client is not null, GatewayClient.FrameTimeout,
            "a connect once the first connection's slot is free"))!;

    private static async Task<GatewayClient?> TryConnectAsync(string url)
    {
        try
        {
            return await GatewayClient.ConnectAsync(url);
        }
        catch (WebSocketException)
        {
            return null;
        }
    }
}
