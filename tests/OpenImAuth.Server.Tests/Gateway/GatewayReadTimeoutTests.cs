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
}
