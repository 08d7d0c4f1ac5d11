using System.Net.WebSockets;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>The read timeout runs on the injected clock, so the in-memory host can show it to the second.</summary>
public sealed class GatewayReadTimeoutTests
{
    [Fact]
    public async Task Connection_IsClosed_WhenWebsocketTimeoutPassesWithoutAFrame()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");
        var token = await app.UserTokenAsync("alice", 5);
        await using var client = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("alice", token, 5));
        await client.ExpectLoggedInAsync();

        // Act: 29 s of silence, a ping (which restarts the clock), then 30 s of silence.
        app.Time.Advance(TimeSpan.FromSeconds(29));
        await client.ExpectAliveAsync();
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var (before, close) = await client.ReceiveUntilCloseAsync();

        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
    }

    [Fact]
    public async Task PingingConnection_Stays_WhileASilentOneIsClosed()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("quiet", "chatty");
        await using var silent = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("quiet", await app.UserTokenAsync("quiet", 5), 5));
        await using var pinging = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("chatty", await app.UserTokenAsync("chatty", 5), 5));
        await silent.ExpectLoggedInAsync();
        await pinging.ExpectLoggedInAsync();

        // Act: a heartbeat every 10 s, as the JS SDK sends, for twice the 30 s timeout.
        for (var second = 0; second < 60; second += 10)
        {
            await pinging.ExpectAliveAsync();
            app.Time.Advance(TimeSpan.FromSeconds(10));
        }
        var (before, close) = await silent.ReceiveUntilCloseAsync();

        // Assert
        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
        Assert.Equal("read timeout", close.CloseDescription);
        await pinging.ExpectAliveAsync();
    }
}
