using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>WsSubUserOnlineStatus (2005): subscribing over the WebSocket and the pushes of status changes (D15).</summary>
public sealed class StatusSubscriptionGatewayTests
{
    [Fact]
    public async Task Subscribe_AnswersCurrentStatus_ThenPushesEachPlatformChange_UntilUnsubscribed()
    {
        // Arrange: alice connected; bob not yet
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice", "bob");
        await using var alice = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("alice", await app.UserTokenAsync("alice", 5), 5));
        await alice.ExpectLoggedInAsync();
        var bobWeb = await app.UserTokenAsync("bob", 5);
        var bobIos = await app.UserTokenAsync("bob", 1);

        // Act + Assert: the reply echoes the request and carries bob offline (no platforms)
        await alice.SendBinaryAsync(StatusFrames.Request("alice", "m1", ["bob"]));
        var reply = await alice.ReceiveAsync();
        Assert.Equal(("m1", "op-m1"), (reply.Json.GetProperty("msgIncr").GetString(), reply.Json.GetProperty("operationID").GetString()));
        Assert.Equal(["bob:[]"], StatusFrames.Tips(reply));

        // bob's first Web connection is pushed, with empty msgIncr and operationID
        var web1 = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobWeb, 5));
        await web1.ExpectLoggedInAsync();
        var push = await alice.ReceiveAsync();
        Assert.Equal(("", ""), (push.Json.GetProperty("msgIncr").GetString(), push.Json.GetProperty("operationID").GetString()));
        Assert.Equal(["bob:[5]"], StatusFrames.Tips(push));

        // a second Web connection changes no platform, so the next push is iOS coming online
        await using var web2 = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobWeb, 5));
        await web2.ExpectLoggedInAsync();
        await using var ios = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobIos, 1));
        await ios.ExpectLoggedInAsync();
        Assert.Equal(["bob:[1,5]"], StatusFrames.Tips(await alice.ReceiveAsync()));

        // iOS kicked (force_logout): its platform went offline
        (await app.PostAsync("/auth/force_logout", new { platformID = 1, userID = "bob" }, await app.AdminTokenAsync())).AssertOk();
        await ios.ReceiveUntilCloseAsync(); // the kicked client answers the close, which ends the connection
        Assert.Equal(["bob:[5]"], StatusFrames.Tips(await alice.ReceiveAsync()));

        // one Web connection of two closing is no change; the last one closing is bob going offline
        await web1.CloseOutputAsync();
        await web1.ReceiveUntilCloseAsync();
        await web1.DisposeAsync();
        await web2.CloseOutputAsync();
        Assert.Equal(["bob:[]"], StatusFrames.Tips(await alice.ReceiveAsync()));

        // unsubscribed: the reply has no data, and bob coming back is not pushed (the next frame is the pong)
        await alice.SendBinaryAsync(StatusFrames.Request("alice", "m2", [], ["bob"]));
        Assert.Empty(StatusFrames.Tips(await alice.ReceiveAsync()));
        await using var again = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobWeb, 5));
        await again.ExpectLoggedInAsync();
        await alice.ExpectAliveAsync();
    }

    [Fact]
    public async Task ANewConnectionStartsWithoutSubscriptions_AndBadDataGetsAnErrorReplyNotAClose()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice", "bob");
        var aliceToken = await app.UserTokenAsync("alice", 5);
        var first = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("alice", aliceToken, 5));
        await first.ExpectLoggedInAsync();
        await first.SendBinaryAsync(StatusFrames.Request("alice", "m1", ["bob"]));
        await first.ReceiveAsync();
        await first.CloseOutputAsync();
        await first.ReceiveUntilCloseAsync();
        await first.DisposeAsync();

        // A new connection of the same user holds no subscription: bob's connect is not pushed to it
        await using var second = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("alice", aliceToken, 5));
        await second.ExpectLoggedInAsync();
        await using var bob = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", await app.UserTokenAsync("bob", 5), 5));
        await bob.ExpectLoggedInAsync();
        await second.SendBinaryAsync("""{"reqIdentifier":2005,"msgIncr":"bad","sendID":"alice","operationID":"o","data":"Cg"}""");
        var error = await second.ReceiveAsync();

        // the connection stays, and a good request on it is answered with bob's status (bob connected after the first
        // connection subscribed, so a subscription carried over would have been pushed before the error reply)
        Assert.Equal(("bad", 1001), (error.Json.GetProperty("msgIncr").GetString(), error.Json.GetProperty("errCode").GetInt32()));
        await second.SendBinaryAsync(StatusFrames.Request("alice", "good", ["bob"]));
        Assert.Equal(["bob:[5]"], StatusFrames.Tips(await second.ReceiveAsync()));
    }
}
