using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>POST /auth/get_user_sessions and /auth/revoke_session on every store.</summary>
public sealed class UserSessionTests
{
    private const long T0 = 1_700_000_000_000; // the fake clock's start, in Unix ms
    private const string KickFrame = """{"reqIdentifier":2002,"msgIncr":"","operationID":"","errCode":0,"errMsg":"","data":null}""";

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task Sessions_ListEveryTokenNewestFirst_WithStatusConnectionsAndLastUse(string store)
    {
        // Arrange: an iOS token (then kicked by a second iOS login), a Web token used over the gateway and the API, and
        // an Android token refused by a mark; a day apart each.
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var kicked = await app.UserTokenAsync("u1", 1);
        app.Time.Advance(TimeSpan.FromMilliseconds(1_250));
        var android = await app.UserTokenAsync("u1", 2);
        app.Time.Advance(TimeSpan.FromSeconds(5));
        (await app.PostAsync("/auth/revoke_tokens", new { userID = "u1", platformID = 2 }, admin)).AssertOk();
        app.Time.Advance(TimeSpan.FromSeconds(5));
        var ios = await app.UserTokenAsync("u1", 1); // kicks the first
        app.Time.Advance(TimeSpan.FromSeconds(5));
        var web = await app.UserTokenAsync("u1", 5);
        await using var client = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("u1", web, 5));
        await client.ExpectLoggedInAsync();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        (await app.PostAsync("/user/get_users_info", new { userIDs = new[] { "u1" } }, web)).AssertOk();

        // Act
        var answer = await app.PostAsync("/auth/get_user_sessions", new { userID = "u1", pagination = new { pageNumber = 1, showNumber = 10 } }, admin);

        // Assert
        answer.AssertOk();
        Assert.Equal(4, answer.Data.GetProperty("total").GetInt32());
        var sessions = answer.Data.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(["active", "active", "revoked", "kicked"], sessions.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal([5, 1, 2, 1], sessions.Select(s => s.GetProperty("platformID").GetInt32()));
        Assert.Equal(["Web", "IOS", "Android", "IOS"], sessions.Select(s => s.GetProperty("platform").GetString()));
        Assert.Equal([T0 + 16_250, T0 + 11_250, T0 + 1_250, T0], sessions.Select(s => s.GetProperty("issuedAt").GetInt64()));
        Assert.Equal(T0 + 16_250 - 250 + 90 * 86_400_000L, sessions[0].GetProperty("expiresAt").GetInt64()); // exp is whole seconds
        Assert.Equal([1, 0, 0, 0], sessions.Select(s => s.GetProperty("connections").GetInt32()));
        Assert.Equal(T0 + 17_250, sessions[0].GetProperty("lastSeenAt").GetInt64()); // the API request, after the connect
        Assert.Equal(0, sessions[1].GetProperty("lastSeenAt").GetInt64());
        Assert.Equal("", sessions[1].GetProperty("lastSeenAddress").GetString());
        Assert.NotEqual("", sessions[0].GetProperty("lastSeenAddress").GetString());
        var ids = sessions.Select(s => s.GetProperty("sessionID").GetString()!).ToList();
        Assert.Equal(4, ids.Distinct().Count());
        foreach (var token in new[] { kicked, android, ios, web })
        {
            Assert.DoesNotContain(token, answer.Text, StringComparison.Ordinal);
        }

        // Paging: the second page of two is the older two, and the IDs are stable.
        var page = await app.PostAsync("/auth/get_user_sessions", new { userID = "u1", pagination = new { pageNumber = 2, showNumber = 2 } }, admin);
        Assert.Equal(ids[2..], page.Data.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionID").GetString()!));
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task RevokeSession_RevokesThatTokenAlone_AndKicksItsConnection(string store)
    {
        // Arrange: two live tokens of one user, one of them connected.
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var web = await app.UserTokenAsync("u1", 5);
        var ios = await app.UserTokenAsync("u1", 1);
        await using var client = await app.ConnectGatewayAsync(GatewayClient.SdkQuery("u1", web, 5));
        await client.ExpectLoggedInAsync();
        var sessions = await SessionsAsync(app, admin);
        var webSession = sessions.Single(s => s.GetProperty("platformID").GetInt32() == 5).GetProperty("sessionID").GetString();

        // Act
        var answer = await app.PostAsync("/auth/revoke_session", new { userID = "u1", sessionID = webSession }, admin);

        // Assert
        answer.AssertOk();
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Equal(KickFrame, Assert.Single(before).Text);
        (await app.PostAsync("/auth/parse_token", new { token = web })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = ios })).AssertOk();
        var after = await SessionsAsync(app, admin);
        Assert.Equal("revoked", after.Single(s => s.GetProperty("sessionID").GetString() == webSession).GetProperty("status").GetString());
        await RevocationMarkTests.AssertRefused(app, "/auth/revoke_session", new { userID = "u1", sessionID = "nope" }, admin, 1004, "nope");
        var audited = await RevocationMarkTests.AuditedAsync(app, admin, "revoke_session", "u1", 2);
        Assert.Equal([0, 1004], audited.Select(e => e.GetProperty("errCode").GetInt32()).Order());
        Assert.Contains(audited, e => e.GetProperty("platformID").GetInt32() == 5 && e.GetProperty("detail").GetString() == $"session {webSession}");
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task SessionRoutes_RefuseBadArguments_WithTheFieldNamed(string store)
    {
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var user = await app.UserTokenAsync("u1", 1);
        object Page(int number, int show) => new { pageNumber = number, showNumber = show };

        await RevocationMarkTests.AssertRefused(app, "/auth/get_user_sessions", new { userID = "u1" }, admin, 1001, "pagination is empty");
        await RevocationMarkTests.AssertRefused(app, "/auth/get_user_sessions", new { userID = "u1", pagination = Page(1, 1001) }, admin, 1001, "showNumber must be 1 to 1000");
        await RevocationMarkTests.AssertRefused(app, "/auth/get_user_sessions", new { userID = "u1", pagination = Page(0, 10) }, admin, 1001, "pageNumber");
        await RevocationMarkTests.AssertRefused(app, "/auth/get_user_sessions", new { pagination = Page(1, 10) }, admin, 1001, "userID is empty");
        await RevocationMarkTests.AssertRefused(app, "/auth/get_user_sessions", new { userID = "nobody", pagination = Page(1, 10) }, admin, 1004, "nobody");
        await RevocationMarkTests.AssertRefused(app, "/auth/get_user_sessions", new { userID = "u1", pagination = Page(1, 10) }, user, 1002, "not admin");
        await RevocationMarkTests.AssertRefused(app, "/auth/revoke_session", new { userID = "u1" }, admin, 1001, "sessionID is empty");
        await RevocationMarkTests.AssertRefused(app, "/auth/revoke_session", new { sessionID = "x" }, admin, 1001, "userID is empty");
        await RevocationMarkTests.AssertRefused(app, "/auth/revoke_session", new { userID = "u1", sessionID = "x" }, user, 1002, "not admin");
    }

    private static async Task<List<JsonElement>> SessionsAsync(AuthApplication app, string admin)
    {
        var answer = await app.PostAsync("/auth/get_user_sessions", new { userID = "u1", pagination = new { pageNumber = 1, showNumber = 100 } }, admin);
        answer.AssertOk();
        return answer.Data.GetProperty("sessions").EnumerateArray().ToList();
    }
}
