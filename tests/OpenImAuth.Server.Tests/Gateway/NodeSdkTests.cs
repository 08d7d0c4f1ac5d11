using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>The scenarios end to end share one server and take their timing seriously, so they run apart from the parallel tests.</summary>
[CollectionDefinition(nameof(NodeSdkScenarios), DisableParallelization = true)]
public sealed class NodeSdkScenarios : ICollectionFixture<GatewayServer>;

/// <summary>
/// End to end with the real <c>@openim/client-sdk@0.0.14</c> under Node 20 (tests/js), against the real server
/// process: the SDK callbacks and their codes are what is asserted (docs/decisions.md, W5, W9–W11).
/// </summary>
[Collection(nameof(NodeSdkScenarios))]
public sealed class NodeSdkTests(GatewayServer server)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sdk_LogsIn_WithTokenFromUserToken()
    {
        var userId = await server.NewUserAsync("sdk");
        var token = await server.TokenAsync(userId, 5);

        await using var sdk = NodeScenario.Start("login.mjs", server, userId, token, 5);

        Assert.Equal(0, await sdk.WaitForEventAsync("OnConnectSuccess", EventTimeout));
        await sdk.WaitForSuccessAsync(EventTimeout); // includes the reply to the SDK's first request (1006)
        Assert.DoesNotContain("OnConnectFailed", sdk.Events);
    }

    [Theory]
    [InlineData("kicked", 1506, "OnKickedOffline")]
    [InlineData("expired", 1501, "OnUserTokenExpired")]
    [InlineData("garbage", 1503, "OnUserTokenInvalid")]
    [InlineData("other-user", 1502, "OnUserTokenInvalid")]
    public async Task Sdk_ReportsTokenEvent_ForRefusedToken(string kind, int code, string tokenEvent)
    {
        var userId = await server.NewUserAsync("sdk");
        var (sendId, token) = kind switch
        {
            "kicked" => (userId, await KickedTokenAsync(userId)),
            "expired" => (userId, GatewayServer.ExpiredToken(userId, 5)),
            "garbage" => (userId, "garbage"),
            _ => (await server.NewUserAsync("sdk"), await server.TokenAsync(userId, 5)), // a sendID that is not the token's user
        };

        await using var sdk = NodeScenario.Start("rejected.mjs", server, sendId, token, 5);

        Assert.Equal(code, await sdk.WaitForEventAsync("OnConnectFailed", EventTimeout));
        Assert.Equal(code, await sdk.WaitForEventAsync(tokenEvent, EventTimeout));
        await sdk.WaitForSuccessAsync(EventTimeout);
        Assert.DoesNotContain("OnConnectSuccess", sdk.Events);
    }

    [Fact]
    public async Task Sdk_IsKickedOfflineWithinASecond_ByForceLogout_AndDoesNotReconnect()
    {
        var userId = await server.NewUserAsync("sdk");
        var token = await server.TokenAsync(userId, 5);
        await using var sdk = NodeScenario.Start("kicked.mjs", server, userId, token, 5);
        await sdk.WaitForEventAsync("OnConnectSuccess", EventTimeout);
        var admin = await server.AdminTokenAsync();

        // Act: the second starts with the force_logout request.
        var forceLogout = server.ForceLogoutAsync(userId, 5, admin);
        var kickedCode = await sdk.WaitForEventAsync("OnKickedOffline", TimeSpan.FromSeconds(1));
        await forceLogout;

        Assert.Equal(0, kickedCode); // the 2002 frame, not a refused token
        var summary = await sdk.WaitForAsync(l => NodeScenario.Is(l, "summary"), EventTimeout, "summary");
        Assert.Equal(1, summary.GetProperty("sockets").GetInt32()); // no reconnect in the SDK's 5 s retry window
        await sdk.WaitForSuccessAsync(EventTimeout);
    }

    [Fact]
    public async Task Sdk_IsKickedOffline_ByRevokeTokens_AndDoesNotReconnect()
    {
        var userId = await server.NewUserAsync("sdk");
        var token = await server.TokenAsync(userId, 5);
        await using var sdk = NodeScenario.Start("kicked.mjs", server, userId, token, 5);
        await sdk.WaitForEventAsync("OnConnectSuccess", EventTimeout);
        var admin = await server.AdminTokenAsync();

        // Act: everything the user was issued until now is revoked (beyond OpenIM: POST /auth/revoke_tokens).
        (await server.Process.PostAsync("/auth/revoke_tokens", new { userID = userId }, admin)).AssertOk();

        Assert.Equal(0, await sdk.WaitForEventAsync("OnKickedOffline", EventTimeout)); // the 2002 frame
        var summary = await sdk.WaitForAsync(l => NodeScenario.Is(l, "summary"), EventTimeout, "summary");
        Assert.Equal(1, summary.GetProperty("sockets").GetInt32());
        await sdk.WaitForSuccessAsync(EventTimeout);
    }

    [Fact]
    public async Task Sdk_IsKickedOffline_BySecondLoginOnSamePlatform()
    {
        var userId = await server.NewUserAsync("sdk");
        var first = await server.TokenAsync(userId, 2);
        await using var kicked = NodeScenario.Start("kicked.mjs", server, userId, first, 2);
        await kicked.WaitForEventAsync("OnConnectSuccess", EventTimeout);

        // Act: the same user logs in again on Android (multi-login policy 1 keeps one login per platform).
        var second = await server.TokenAsync(userId, 2);
        await using var current = NodeScenario.Start("login.mjs", server, userId, second, 2);

        Assert.Equal(0, await kicked.WaitForEventAsync("OnKickedOffline", EventTimeout));
        Assert.Equal(0, await current.WaitForEventAsync("OnConnectSuccess", EventTimeout));
        await current.WaitForSuccessAsync(EventTimeout);
        var summary = await kicked.WaitForAsync(l => NodeScenario.Is(l, "summary"), EventTimeout, "summary");
        Assert.Equal(1, summary.GetProperty("sockets").GetInt32());
    }

    [Fact]
    public async Task Sdk_StaysConnected_AcrossThreeHeartbeats()
    {
        var userId = await server.NewUserAsync("sdk");
        var token = await server.TokenAsync(userId, 5);

        await using var sdk = NodeScenario.Start("heartbeat.mjs", server, userId, token, 5);

        var summary = await sdk.WaitForAsync(l => NodeScenario.Is(l, "summary"), TimeSpan.FromSeconds(50), "three pongs");
        Assert.Equal(1, summary.GetProperty("sockets").GetInt32());
        Assert.True(summary.GetProperty("pongs").GetInt32() >= 3);
        Assert.DoesNotContain("OnConnecting", sdk.Events.Skip(1)); // one connect, no reconnect
        await sdk.WaitForSuccessAsync(EventTimeout);
    }

    private async Task<string> KickedTokenAsync(string userId)
    {
        var token = await server.TokenAsync(userId, 5);
        await server.ForceLogoutAsync(userId, 5);
        return token;
    }

    [Fact]
    public async Task Sdk_SubscribesToAUser_AndHearsItComeOnlineAndGoOffline()
    {
        // Arrange: the SDK subscribes (2005) to a user who is offline
        var watcher = await server.NewUserAsync("sdk");
        var target = await server.NewUserAsync("sdk");
        await using var sdk = NodeScenario.Start("status.mjs", server, watcher, await server.TokenAsync(watcher, 5), 5, "--target", target);
        var subscribed = await sdk.WaitForAsync(l => NodeScenario.Is(l, "subscribed"), EventTimeout, "subscribed");

        // Act: the target logs in over the gateway, then out
        var (client, _) = await server.LoginAsync(target, 1);
        await using (client)
        {
            var online = await sdk.WaitForAsync(l => NodeScenario.Is(l, "status") && l.GetProperty("status").GetInt32() == 1, EventTimeout, "online");
            Assert.Equal(target, online.GetProperty("userID").GetString());
            Assert.Equal([1], online.GetProperty("platformIDs").EnumerateArray().Select(p => p.GetInt32()));
            await client.CloseOutputAsync();
            await client.ReceiveUntilCloseAsync();
        }

        // Assert: the SDK reported the offline change too, and ended well
        var offline = await sdk.WaitForAsync(l => NodeScenario.Is(l, "status") && l.GetProperty("status").GetInt32() == 0, EventTimeout, "offline");
        Assert.Equal(target, offline.GetProperty("userID").GetString());
        Assert.Contains(target, subscribed.GetRawText(), StringComparison.Ordinal);
        await sdk.WaitForSuccessAsync(EventTimeout);
    }
}
