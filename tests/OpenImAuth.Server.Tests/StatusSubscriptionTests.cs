using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// /user/subscribe_users_status, /user/get_subscribe_users_status and /user/get_users_status on every store
/// (docs/decisions.md, D15).
/// </summary>
public sealed class StatusSubscriptionTests
{
    private const string SubscribeRoute = "/user/subscribe_users_status";
    private const string ListRoute = "/user/get_subscribe_users_status";
    private const string StatusRoute = "/user/get_users_status";

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task Subscribe_AnswersCurrentStatus_ListsInOrder_AndUnsubscribeRemoves(string store)
    {
        // Arrange: bob online on Web and iOS (two Web connections), carol offline.
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("alice", "bob", "carol");
        var alice = await app.UserTokenAsync("alice", 5);
        var bobWeb = await app.UserTokenAsync("bob", 5);
        var bobIos = await app.UserTokenAsync("bob", 1);
        await using var web1 = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobWeb, 5));
        await web1.ExpectLoggedInAsync();
        await using var web2 = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobWeb, 5));
        await web2.ExpectLoggedInAsync();
        await using var ios = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", bobIos, 1));
        await ios.ExpectLoggedInAsync();

        // Act
        var (_, subscribed) = await app.PostRawAsync(SubscribeRoute, """{"userID":"alice","userIDs":["carol","bob"],"genre":1}""", alice);
        (await app.PostAsync(SubscribeRoute, new { userID = "alice", userIDs = new[] { "bob", "dave" }, genre = 1 }, alice)).AssertOk();
        var (_, listed) = await app.PostRawAsync(ListRoute, """{"userID":"alice"}""", alice);
        var (_, unsubscribed) = await app.PostRawAsync(SubscribeRoute, """{"userID":"alice","userIDs":["carol","nobody"],"genre":2}""", alice);
        var (_, after) = await app.PostRawAsync(ListRoute, """{"userID":"alice"}""", alice);

        // Assert: every field written, as OpenIM writes its protobuf structs; platforms distinct and ascending
        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":"","data":{"statusList":[{"userID":"carol","status":0,"platformIDs":null},{"userID":"bob","status":1,"platformIDs":[1,5]}]}}""", subscribed);
        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":"","data":{"statusList":[{"userID":"carol","status":0,"platformIDs":null},{"userID":"bob","status":1,"platformIDs":[1,5]},{"userID":"dave","status":0,"platformIDs":null}]}}""", listed);
        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":"","data":{"statusList":null}}""", unsubscribed);
        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":"","data":{"statusList":[{"userID":"bob","status":1,"platformIDs":[1,5]},{"userID":"dave","status":0,"platformIDs":null}]}}""", after);
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task Subscriptions_BelongToTheUser_AnAdministratorMayActForIt_OthersGet1002(string store)
    {
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("alice", "mallory");
        var admin = await app.AdminTokenAsync();
        var mallory = await app.UserTokenAsync("mallory", 5);

        (await app.PostAsync(SubscribeRoute, new { userID = "alice", userIDs = new[] { "bob" }, genre = 1 }, admin)).AssertOk();
        var refusedSubscribe = await app.PostAsync(SubscribeRoute, new { userID = "alice", userIDs = new[] { "bob" }, genre = 2 }, mallory);
        var refusedList = await app.PostAsync(ListRoute, new { userID = "alice" }, mallory);
        var ownList = await app.PostAsync(ListRoute, new { userID = "mallory" }, mallory);
        var adminList = await app.PostAsync(ListRoute, new { userID = "alice" }, admin);

        refusedSubscribe.AssertError(1002);
        refusedList.AssertError(1002);
        Assert.Equal(0, ownList.Data.GetProperty("statusList").GetArrayLength());
        Assert.Equal("bob", Assert.Single(adminList.Data.GetProperty("statusList").EnumerateArray()).GetProperty("userID").GetString());
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task Subscribe_PastTheLimit_DropsTheOldest(string store)
    {
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        var admin = await app.AdminTokenAsync();
        var first = Enumerable.Range(0, 2_999).Select(i => $"u{i}").ToArray();

        (await app.PostAsync(SubscribeRoute, new { userID = "alice", userIDs = first, genre = 1 }, admin)).AssertOk();
        (await app.PostAsync(SubscribeRoute, new { userID = "alice", userIDs = new[] { "u0", "x1", "x2" }, genre = 1 }, admin)).AssertOk();
        var listed = await app.PostAsync(ListRoute, new { userID = "alice" }, admin);

        // u0 was already there (it keeps its age); x1 fills the list to 3000, x2 pushes out the oldest, u0
        var ids = listed.Data.GetProperty("statusList").EnumerateArray().Select(s => s.GetProperty("userID").GetString()).ToList();
        Assert.Equal(3_000, ids.Count);
        Assert.Equal(["u1", "u2"], ids.Take(2));
        Assert.Equal(["u2998", "x1", "x2"], ids.TakeLast(3));
    }

    [Theory]
    [InlineData("""{"userIDs":["b"],"genre":1}""", "UserID is empty")]
    [InlineData("""{"userID":"alice","genre":1}""", "subscription User-list is empty")]
    [InlineData("""{"userID":"alice","userIDs":["b"]}""", "invalid subscription type parameter")]
    [InlineData("""{"userID":"alice","userIDs":["b"],"genre":3}""", "invalid subscription type parameter")]
    public async Task Subscribe_Answers1001_ForAMissingOrBadField(string body, string detail)
    {
        await using var app = new AuthApplication();

        var answer = await app.PostAsync(SubscribeRoute, System.Text.Json.JsonDocument.Parse(body).RootElement, await app.AdminTokenAsync());

        answer.AssertError(1001);
        Assert.Contains(detail, answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_Answers1001_ForMoreIdsThanTheLimit()
    {
        await using var app = new AuthApplication();

        var answer = await app.PostAsync(SubscribeRoute,
            new { userID = "alice", userIDs = Enumerable.Range(0, 3_001).Select(i => $"u{i}").ToArray(), genre = 1 }, await app.AdminTokenAsync());

        answer.AssertError(1001);
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task UsersStatus_AnswersAnySignedInCaller_OnePerIdInOrder(string store)
    {
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("alice", "bob");
        var alice = await app.UserTokenAsync("alice", 5);
        await using var bob = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("bob", await app.UserTokenAsync("bob", 2), 2));
        await bob.ExpectLoggedInAsync();

        var (_, text) = await app.PostRawAsync(StatusRoute, """{"userID":"alice","userIDs":["bob","nobody","bob"]}""", alice);
        var empty = await app.PostAsync(StatusRoute, new { userID = "alice", userIDs = Array.Empty<string>() }, alice);

        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":"","data":{"statusList":[{"userID":"bob","status":1,"platformIDs":[2]},{"userID":"nobody","status":0,"platformIDs":null},{"userID":"bob","status":1,"platformIDs":[2]}]}}""", text);
        empty.AssertError(1001);
    }
}
