using System.Net.WebSockets;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>Kicks (docs/decisions.md, W11 and D7): the 2002 frame then a close, for exactly the revoked tokens' connections.</summary>
public sealed class GatewayKickTests(GatewayServer server) : IClassFixture<GatewayServer>
{
    private const string KickFrame = """{"reqIdentifier":2002,"msgIncr":"","operationID":"","errCode":0,"errMsg":"","data":null}""";

    [Fact]
    public async Task ForceLogout_SendsKickFrameThenClose_ToEveryConnectionOfTheToken()
    {
        var userId = await server.NewUserAsync("kick");
        var (first, token) = await server.LoginAsync(userId, 5);
        await using var _ = first;
        await using var second = await server.ConnectAsync(userId, token, 5); // the same token twice (a reconnect race)
        await second.ExpectLoggedInAsync();

        await server.ForceLogoutAsync(userId, 5);

        foreach (var client in new[] { first, second })
        {
            var (before, close) = await client.ReceiveUntilCloseAsync();
            var kick = Assert.Single(before);
            Assert.Equal(WebSocketMessageType.Binary, kick.Type);
            Assert.Equal(KickFrame, kick.Text);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        }
    }

    [Fact]
    public async Task KickedToken_GetsTokenKickedFrame_OnReconnect()
    {
        var userId = await server.NewUserAsync("kick");
        var (client, token) = await server.LoginAsync(userId, 5);
        await using var _ = client;
        await server.ForceLogoutAsync(userId, 5);
        await client.ReceiveUntilCloseAsync();

        await using var again = await server.ConnectAsync(userId, token, 5);
        var (before, _) = await again.ReceiveUntilCloseAsync();

        Assert.Equal("""{"errCode":1506,"errMsg":"TokenKickedError","errDlt":": [1506]TokenKickedError"}""", Assert.Single(before).Text);
    }

    [Fact]
    public async Task ForceLogout_LeavesOtherPlatformsConnected()
    {
        var userId = await server.NewUserAsync("kick");
        var (web, _) = await server.LoginAsync(userId, 5);
        var (ios, _) = await server.LoginAsync(userId, 1);
        await using var a = web;
        await using var b = ios;

        await server.ForceLogoutAsync(userId, 5);

        Assert.Equal(KickFrame, Assert.Single((await web.ReceiveUntilCloseAsync()).Before).Text);
        await ios.ExpectAliveAsync();
    }

    [Fact]
    public async Task NewLoginOnSamePlatform_KicksTheOlderConnection_UnderPolicy1()
    {
        var userId = await server.NewUserAsync("kick");
        var (old, _) = await server.LoginAsync(userId, 2);
        await using var a = old;

        var (current, _) = await server.LoginAsync(userId, 2);
        await using var b = current;

        Assert.Equal(KickFrame, Assert.Single((await old.ReceiveUntilCloseAsync()).Before).Text);
        await current.ExpectAliveAsync();
    }
}
