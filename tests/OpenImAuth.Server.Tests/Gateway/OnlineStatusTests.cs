using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary><c>/user/get_users_online_status</c> and <c>/user/get_users_online_token_detail</c> (docs/decisions.md, W8).</summary>
public sealed class OnlineStatusTests
{
    private const string Status = "/user/get_users_online_status";
    private const string TokenDetail = "/user/get_users_online_token_detail";

    [Theory]
    [InlineData(Status)]
    [InlineData(TokenDetail)]
    public async Task Route_Answers1002_ForNonAdmin(string path)
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");
        var token = await app.UserTokenAsync("alice", 5);

        var (_, text) = await app.PostRawAsync(path, """{"userIDs":["alice"]}""", token);

        Assert.Equal("""{"errCode":1002,"errMsg":"NoPermissionError","errDlt":"only app manager: [1002]NoPermissionError"}""", text);
    }

    [Theory]
    [InlineData("v3", Status, """[{"userID":"alice","status":"offline","detailPlatformStatus":null},{"userID":"nobody","status":"offline","detailPlatformStatus":null},{"userID":"alice","status":"offline","detailPlatformStatus":null}]""")]
    [InlineData("v3.8", Status, """[{"userID":"alice","status":0,"detailPlatformStatus":null},{"userID":"nobody","status":0,"detailPlatformStatus":null},{"userID":"alice","status":0,"detailPlatformStatus":null}]""")]
    [InlineData("v3", TokenDetail, "[]")]
    [InlineData("v3.8", TokenDetail, "[]")]
    public async Task Route_ReportsOffline_OnePerRequestedIdInOrder(string profile, string path, string data)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("alice");

        var (_, text) = await app.PostRawAsync(path, """{"userIDs":["alice","nobody","alice"]}""", await app.AdminTokenAsync());

        Assert.Equal($$"""{"errCode":0,"errMsg":"","errDlt":"","data":{{data}}}""", text);
    }

    [Fact]
    public async Task Status_ListsEveryLiveConnection_InV3Shape_UntilItCloses()
    {
        await using var server = await GatewayServer.StartAsync();
        var userId = await server.NewUserAsync();
        var (web, webToken) = await server.LoginAsync(userId, 5);
        var (ios, iosToken) = await server.LoginAsync(userId, 1);
        await using var a = web;
        await using var b = ios;

        var online = await PostAsync(server, Status, userId, "nobody");

        Assert.Equal(2, online.GetArrayLength());
        Assert.Equal("online", online[0].GetProperty("status").GetString());
        var details = online[0].GetProperty("detailPlatformStatus").EnumerateArray().ToList();
        Assert.Equal(["platform", "platformID", "status", "connID", "isBackground", "token"], details[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal([("Web", 5, webToken), ("IOS", 1, iosToken)], details.Select(d =>
            (d.GetProperty("platform").GetString(), d.GetProperty("platformID").GetInt32(), d.GetProperty("token").GetString())));
        Assert.All(details, d => Assert.Equal("online", d.GetProperty("status").GetString()));
        Assert.All(details, d => Assert.StartsWith("127.0.0.1:", d.GetProperty("connID").GetString(), StringComparison.Ordinal));
        Assert.Equal("""{"userID":"nobody","status":"offline","detailPlatformStatus":null}""", online[1].GetRawText());

        // Act: the web connection logs out; once the server has let it go, only iOS is left.
        await server.ForceLogoutAsync(userId, 5);
        await web.ReceiveUntilCloseAsync();
        var after = await PostAsync(server, Status, userId);
        Assert.Equal([1], after[0].GetProperty("detailPlatformStatus").EnumerateArray().Select(d => d.GetProperty("platformID").GetInt32()));
    }

    [Fact]
    public async Task StatusAndTokenDetail_UseNumbersAndPlatformIds_InV38Profile()
    {
        await using var server = await GatewayServer.StartAsync("--compat.profile=v3.8");
        var userId = await server.NewUserAsync("v38_");
        var (web, token) = await server.LoginAsync(userId, 5);
        await using var a = web;
        await using var again = await server.ConnectAsync(userId, token, 5);
        await again.ExpectLoggedInAsync();

        var status = (await PostAsync(server, Status, userId))[0];
        var detail = await PostAsync(server, TokenDetail, userId, "nobody");

        Assert.Equal(1, status.GetProperty("status").GetInt32());
        var first = status.GetProperty("detailPlatformStatus")[0];
        Assert.Equal(["platformID", "platform", "connID", "isBackground", "token"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(5, first.GetProperty("platformID").GetInt32());
        Assert.Equal($$"""[{"userID":"{{userId}}","status":1,"singlePlatformToken":[{"platformID":5,"platform":"Web","total":2,"token":["{{token}}","{{token}}"]}]}]""",
            detail.GetRawText());
    }

    [Fact]
    public async Task TokenDetail_GroupsTokensByPlatform_InV3Shape()
    {
        await using var server = await GatewayServer.StartAsync();
        var userId = await server.NewUserAsync();
        var (web, webToken) = await server.LoginAsync(userId, 5);
        var (windows, windowsToken) = await server.LoginAsync(userId, 3);
        await using var a = web;
        await using var b = windows;

        var detail = await PostAsync(server, TokenDetail, userId, "nobody");

        Assert.Equal($$"""[{"userID":"{{userId}}","status":"online","singlePlatformToken":[{"platform":"Windows","platformID":3,"token":["{{windowsToken}}"],"total":1},{"platform":"Web","platformID":5,"token":["{{webToken}}"],"total":1}]}]""",
            detail.GetRawText());
    }

    private static async Task<JsonElement> PostAsync(GatewayServer server, string path, params string[] userIds)
    {
        var answer = await server.Process.PostAsync(path, new { userIDs = userIds }, await server.AdminTokenAsync());
        answer.AssertOk();
        return answer.Data;
    }
}
