using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>
/// Two instances on one Redis (the kicks and status pushes also on the Redis Cluster): kicks and online status reach across instances
/// (docs/decisions.md, D7).
/// </summary>
public sealed class GatewayScaleOutTests
{
    private const string Secret = "openIM123";
    private const string KickFrame = """{"reqIdentifier":2002,"msgIncr":"","operationID":"","errCode":0,"errMsg":"","data":null}""";

    [Theory]
    [MemberData(nameof(ScaleOutCluster.RedisKinds), MemberType = typeof(ScaleOutCluster))]
    public async Task ForceLogoutOnB_KicksClientConnectedToA(string redis)
    {
        // Arrange: a client logged in on A's gateway.
        await using var cluster = await ScaleOutCluster.CreateAsync(redis);
        var a = await cluster.StartInstanceAsync();
        var b = await cluster.StartInstanceAsync();
        (await b.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "erin", nickname = "E" } } })).AssertOk();
        var token = (await b.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "erin" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{a.GatewayAddress}/{GatewayClient.SdkQuery("erin", token, 5)}");
        await client.ExpectLoggedInAsync();
        var admin = (await b.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;

        // Act
        (await b.PostAsync("/auth/force_logout", new { platformID = 5, userID = "erin" }, admin)).AssertOk();

        // Assert: A sent the kick frame and closed.
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(KickFrame, Assert.Single(before).Text);
    }

    [Theory]
    [InlineData("revoke_tokens", "single")]
    [InlineData("revoke_tokens_app_wide", "single")]
    [InlineData("revoke_session", "single")]
    [InlineData("revoke_tokens", "cluster")]
    [InlineData("revoke_tokens_app_wide", "cluster")]
    [InlineData("revoke_session", "cluster")]
    public async Task RevocationOnB_KicksClientConnectedToA_AndARefusesTheToken(string how, string redis)
    {
        // Arrange: a client logged in on A's gateway, a second token of the same user that only a mark would reach.
        await using var cluster = await ScaleOutCluster.CreateAsync(redis);
        var a = await cluster.StartInstanceAsync();
        var b = await cluster.StartInstanceAsync();
        (await b.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "ivy", nickname = "I" } } })).AssertOk();
        var token = (await b.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "ivy" })).Token;
        var other = (await b.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "ivy" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{a.GatewayAddress}/{GatewayClient.SdkQuery("ivy", token, 5)}");
        await client.ExpectLoggedInAsync();
        var admin = (await b.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        (await a.PostAsync("/auth/parse_token", new { token })).AssertOk(); // A has checked (and may cache) it

        // Act
        if (how == "revoke_session")
        {
            var sessions = await b.PostAsync("/auth/get_user_sessions", new { userID = "ivy", pagination = new { pageNumber = 1, showNumber = 10 } }, admin);
            var web = sessions.Data.GetProperty("sessions").EnumerateArray().Single(s => s.GetProperty("platformID").GetInt32() == 5);
            Assert.Equal(1, web.GetProperty("connections").GetInt32()); // A's connection, seen from B
            (await b.PostAsync("/auth/revoke_session", new { userID = "ivy", sessionID = web.GetProperty("sessionID").GetString() }, admin)).AssertOk();
        }
        else
        {
            object scope = how == "revoke_tokens" ? new { userID = "ivy" } : new { };
            (await b.PostAsync("/auth/revoke_tokens", scope, admin)).AssertOk();
        }

        // Assert: A sent the kick frame and closed, and refuses the token; the other token goes with a mark only.
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(KickFrame, Assert.Single(before).Text);
        (await a.PostAsync("/auth/parse_token", new { token })).AssertError(1506);
        var otherAnswer = await a.PostAsync("/auth/parse_token", new { token = other });
        Assert.Equal(how == "revoke_session" ? 0 : 1506, otherAnswer.ErrCode);
        (await a.PostAsync("/auth/parse_token", new { token = admin })).AssertOk(); // no mark here names the admin
    }

    [Fact]
    public async Task AfterChannelOutage_ConnectionsOfTokensRevokedMeanwhile_AreKicked()
    {
        // Arrange: a private Redis (the kill below must not touch other tests' subscriptions), and a connected client
        // whose token a Go node then kicks straight in Redis: no message on our channel.
        await using var redis = await RedisProcess.StartAsync();
        await using var direct = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var a = await cluster.StartInstanceAsync(redis.Address);
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "gus", nickname = "G" } } })).AssertOk();
        var token = (await a.PostAsync("/auth/user_token", new { secret = Secret, platformID = 3, userID = "gus" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{a.GatewayAddress}/{GatewayClient.SdkQuery("gus", token, 3)}");
        await client.ExpectLoggedInAsync();
        await direct.GetDatabase().HashSetAsync("UID_PID_TOKEN_STATUS:gus:Windows", token, "2");

        // Act: the instance's subscription connection drops (as in a network blip) and comes back.
        await direct.GetDatabase().ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");

        // Assert: having possibly missed revocations, the instance re-checked its connections and kicked this one.
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(KickFrame, Assert.Single(before).Text);
    }

    [Fact]
    public async Task TokenKickedByGoNode_ClosesItsConnection()
    {
        // Arrange: a connected client; a Go OpenIM node shares the Redis.
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var a = await cluster.StartInstanceAsync();
        var user = "go" + Guid.NewGuid().ToString("N")[..12];
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = user, nickname = "G" } } })).AssertOk();
        var token = (await a.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = user })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{a.GatewayAddress}/{GatewayClient.SdkQuery(user, token, 2)}");
        await client.ExpectLoggedInAsync();

        // Act: the Go node kicks the token as OpenIM does: HSET to 2, then announce the key on DELETE_CACHE_AUTH.
        var key = $"UID_PID_TOKEN_STATUS:{user}:Android";
        await cluster.Redis.Db.HashSetAsync(key, token, "2");
        await cluster.Redis.Subscriber.PublishAsync(StackExchange.Redis.RedisChannel.Literal("DELETE_CACHE_AUTH"), $"[\"{key}\"]");

        // Assert
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(KickFrame, Assert.Single(before).Text);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task OnlineStatus_OnB_SeesClientConnectedToA(string profile)
    {
        // Arrange
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var a = await cluster.StartInstanceAsync(null, $"--compat.profile={profile}");
        var b = await cluster.StartInstanceAsync(null, $"--compat.profile={profile}");
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "fay", nickname = "F" } } })).AssertOk();
        var token = (await a.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "fay" })).Token;
        var admin = (await b.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{a.GatewayAddress}/{GatewayClient.SdkQuery("fay", token, 1)}");
        await client.ExpectLoggedInAsync();

        // Act
        var online = await b.PostAsync("/user/get_users_online_status", new { userIDs = new[] { "fay" } }, admin);
        await client.CloseOutputAsync();
        await client.ReceiveUntilCloseAsync();
        var offline = await Eventually.UntilAsync(() => b.PostAsync("/user/get_users_online_status", new { userIDs = new[] { "fay" } }, admin),
            answer => answer.ErrCode != 0 || answer.Data[0].GetProperty("detailPlatformStatus").ValueKind == System.Text.Json.JsonValueKind.Null,
            TimeSpan.FromSeconds(30), "A recording the disconnect");

        // Assert
        online.AssertOk();
        var entry = online.Data[0];
        Assert.Equal(profile == "v3" ? "online" : "1", entry.GetProperty("status").ToString());
        Assert.Equal(token, entry.GetProperty("detailPlatformStatus")[0].GetProperty("token").GetString());
        Assert.Equal(profile == "v3" ? "offline" : "0", offline.Data[0].GetProperty("status").ToString());
    }

    [Theory]
    [MemberData(nameof(ScaleOutCluster.RedisKinds), MemberType = typeof(ScaleOutCluster))]
    public async Task StatusChangeOnB_IsPushedToSubscriberOnA_AndRestSubscriptionsAreShared(string redis)
    {
        // Arrange: gus subscribed (2005) on A's gateway to hal, who connects to B
        await using var cluster = await ScaleOutCluster.CreateAsync(redis);
        var a = await cluster.StartInstanceAsync();
        var b = await cluster.StartInstanceAsync();
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "gus", nickname = "G" }, new { userID = "hal", nickname = "H" } } })).AssertOk();
        var gusToken = (await a.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "gus" })).Token;
        var halToken = (await b.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = "hal" })).Token;
        await using var gus = await GatewayClient.ConnectAsync($"{a.GatewayAddress}/{GatewayClient.SdkQuery("gus", gusToken, 5)}");
        await gus.ExpectLoggedInAsync();
        await gus.SendBinaryAsync(StatusFrames.Request("gus", "s1", ["hal"]));
        Assert.Equal(["hal:[]"], StatusFrames.Tips(await gus.ReceiveAsync()));

        // Act + Assert: hal's connect and disconnect on B reach gus on A
        var hal = await GatewayClient.ConnectAsync($"{b.GatewayAddress}/{GatewayClient.SdkQuery("hal", halToken, 2)}");
        await hal.ExpectLoggedInAsync();
        Assert.Equal(["hal:[2]"], StatusFrames.Tips(await gus.ReceiveAsync()));
        await hal.CloseOutputAsync();
        await hal.ReceiveUntilCloseAsync();
        await hal.DisposeAsync();
        Assert.Equal(["hal:[]"], StatusFrames.Tips(await gus.ReceiveAsync()));

        // A REST subscription made on A is listed on B
        (await a.PostAsync("/user/subscribe_users_status", new { userID = "gus", userIDs = new[] { "hal" }, genre = 1 }, gusToken)).AssertOk();
        var listed = await b.PostAsync("/user/get_subscribe_users_status", new { userID = "gus" }, gusToken);
        Assert.Equal("hal", Assert.Single(listed.Data.GetProperty("statusList").EnumerateArray()).GetProperty("userID").GetString());
    }
}
