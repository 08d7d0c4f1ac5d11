using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>Every /auth route: success and each documented failure, in both compat profiles.</summary>
public sealed class AuthRouteTests
{
    [Theory]
    [InlineData("v3", "openIM123", 1, "ghost", 1004)]
    [InlineData("v3.8", "openIM123", 1, "ghost", 1004)]
    [InlineData("v3", "wrong", 1, "imAdmin", 1002)]
    [InlineData("v3.8", "wrong", 1, "imAdmin", 1002)]
    [InlineData("v3", "openIM123", 0, "imAdmin", 1001)]
    [InlineData("v3.8", "openIM123", 12, "imAdmin", 1001)]
    [InlineData("v3.8", "openIM123", 1, "", 1001)]
    public async Task UserToken_FailsAlike_InBothProfiles(string profile, string secret, int platformId, string userId, int code)
    {
        await using var app = new AuthApplication(profile);

        var answer = await app.PostAsync("/auth/user_token", new { secret, platformID = platformId, userID = userId });

        answer.AssertError(code);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task UserToken_IssuesToken_InBothProfiles(string profile)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");

        var answer = await app.PostAsync("/auth/user_token", new { secret = AuthApplication.Secret, platformID = 11, userID = "u1" });

        answer.AssertOk();
        Assert.Equal("HarmonyOS", (await app.PostAsync("/auth/parse_token", new { token = answer.Token })).Data.GetProperty("platform").GetString());
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task GetAdminToken_IssuesPlatform10Token_IgnoringSentPlatform(string profile)
    {
        await using var app = new AuthApplication(profile);

        var answer = await app.PostAsync("/auth/get_admin_token", new { secret = AuthApplication.Secret, platformID = 2, userID = "imAdmin" });
        var parsed = await app.PostAsync("/auth/parse_token", new { token = answer.Token });

        answer.AssertOk();
        Assert.Equal(7776000, answer.Data.GetProperty("expireTimeSeconds").GetInt64());
        Assert.Equal(10, parsed.Data.GetProperty("platformID").GetInt32());
        Assert.Equal("Admin", parsed.Data.GetProperty("platform").GetString());
    }

    [Theory]
    [InlineData("v3", "openIM123", "alice", 1001)]
    [InlineData("v3.8", "openIM123", "alice", 1001)]
    [InlineData("v3", "wrong", "imAdmin", 1002)]
    [InlineData("v3.8", "wrong", "imAdmin", 1002)]
    [InlineData("v3", "openIM123", "", 1001)]
    public async Task GetAdminToken_Fails_ForBadSecretOrNonAdmin(string profile, string secret, string userId, int code)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("alice");

        var answer = await app.PostAsync("/auth/get_admin_token", new { secret, userID = userId });

        answer.AssertError(code);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task GetUserToken_IssuesToken_ForAdminCaller(string profile)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("alice");
        var admin = await app.AdminTokenAsync();

        var answer = await app.PostAsync("/auth/get_user_token", new { platformID = 2, userID = "alice" }, admin);
        var parsed = await app.PostAsync("/auth/parse_token", new { token = answer.Token });

        answer.AssertOk();
        Assert.Equal("alice", parsed.Data.GetProperty("userID").GetString());
        Assert.Equal(2, parsed.Data.GetProperty("platformID").GetInt32());
    }

    [Theory]
    [InlineData("v3", """{"platformID":10,"userID":"alice"}""", 1002)]
    [InlineData("v3.8", """{"platformID":10,"userID":"alice"}""", 1002)]
    [InlineData("v3", """{"platformID":1,"userID":"imAdmin"}""", 1002)]
    [InlineData("v3", """{"platformID":1,"userID":"nobody"}""", 1004)]
    [InlineData("v3.8", """{"platformID":1,"userID":"nobody"}""", 1004)]
    [InlineData("v3", """{"platformID":0,"userID":"alice"}""", 1001)]
    [InlineData("v3", """{"platformID":1}""", 1001)]
    public async Task GetUserToken_Fails_ForDocumentedReasons(string profile, string body, int code)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("alice");
        var admin = await app.AdminTokenAsync();

        var (_, text) = await app.PostRawAsync("/auth/get_user_token", body, admin);

        Assert.Contains($"\"errCode\":{code},", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUserToken_Answers1002_ForNonAdminCaller_And1001_WithoutToken()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice", "bob");
        var alice = await app.UserTokenAsync("alice", 1);

        var asAlice = await app.PostAsync("/auth/get_user_token", new { platformID = 1, userID = "bob" }, alice);
        var (_, noToken) = await app.PostRawAsync("/auth/get_user_token", """{"platformID":1,"userID":"bob"}""");

        asAlice.AssertError(1002);
        Assert.Equal("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"header must have token: [1001]ArgsError"}""", noToken);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task ParseToken_ReturnsBothPlatformNames_AndAbsoluteExpiry(string profile)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var token = await app.UserTokenAsync("u1", 1);

        var answer = await app.PostAsync("/auth/parse_token", new { token });

        Assert.Equal("""{"userID":"u1","platform":"IOS","platformID":1,"expireTimeSeconds":1707776000}""", answer.Data.GetRawText());
    }

    [Theory]
    [InlineData("v3", true)]
    [InlineData("v3.8", false)]
    public async Task IssuedTokens_UseTheProfilesPayloadFormat(string profile, bool hasNotBefore)
    {
        await using var app = new AuthApplication(profile);

        var token = await app.AdminTokenAsync();
        var payload = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1])).RootElement;

        Assert.Equal(hasNotBefore, payload.TryGetProperty("nbf", out _));
        Assert.Equal(hasNotBefore ? 1_700_000_000 : 1_699_999_995, payload.GetProperty("iat").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("e30.eyJVc2VySUQiOiJcdWQ4MDAifQ.AAAA")] // {"UserID":"\ud800"}: no valid text, once a 500
    public async Task ParseToken_Fails_ForEmptyOrMalformedToken(string token)
    {
        await using var app = new AuthApplication();

        var answer = await app.PostAsync("/auth/parse_token", new { token });

        answer.AssertError(token.Length == 0 ? 1001 : 1503);
    }

    [Fact]
    public async Task ParseToken_Answers1501_AfterExpiry_And1507_ForUnstoredToken()
    {
        await using var app = new AuthApplication();
        await using var other = new AuthApplication();
        app.Time.Advance(TimeSpan.FromSeconds(1)); // the same second would sign the very same bytes
        var token = await app.AdminTokenAsync();
        var foreign = await other.AdminTokenAsync(); // same secret, never stored in app

        var unknown = await app.PostAsync("/auth/parse_token", new { token = foreign });
        app.Time.Advance(TimeSpan.FromDays(90));
        var expired = await app.PostAsync("/auth/parse_token", new { token });

        unknown.AssertError(1507);
        expired.AssertError(1501);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task ForceLogout_KicksThatPlatformOnly(string profile)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var ios = await app.UserTokenAsync("u1", 1);
        var android = await app.UserTokenAsync("u1", 2);

        var logout = await app.PostAsync("/auth/force_logout", new { platformID = 1, userID = "u1" }, admin);

        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":""}""", logout.Text);
        (await app.PostAsync("/auth/parse_token", new { token = ios })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = android })).AssertOk();
        (await app.PostAsync("/user/get_users_info", new { userIDs = new[] { "u1" } }, ios)).AssertError(1506);
    }

    [Fact]
    public async Task ForceLogout_StaysInForce_WhenUserLogsInAgainInTheSameSecond()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var revoked = await app.UserTokenAsync("u1", 1);
        (await app.PostAsync("/auth/force_logout", new { platformID = 1, userID = "u1" }, admin)).AssertOk();

        var fresh = await app.UserTokenAsync("u1", 1);

        Assert.NotEqual(revoked, fresh);
        (await app.PostAsync("/auth/parse_token", new { token = revoked })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = fresh })).AssertOk();
    }

    [Fact]
    public async Task ForceLogout_RevokesAdminTokens_OnPlatform10()
    {
        await using var app = new AuthApplication();
        var first = await app.AdminTokenAsync();
        var second = await app.AdminTokenAsync("openIMAdmin");

        (await app.PostAsync("/auth/force_logout", new { platformID = 10, userID = "imAdmin" }, second)).AssertOk();

        (await app.PostAsync("/auth/parse_token", new { token = first })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = second })).AssertOk();
    }

    [Theory]
    [InlineData("v3", """{"platformID":12,"userID":"u1"}""", 1001)]
    [InlineData("v3", """{"platformID":1,"userID":""}""", 1001)]
    [InlineData("v3", """{"platformID":"1","userID":"u1"}""", 1001)]
    [InlineData("v3.8", """{"platformID":0,"userID":"u1"}""", 1001)]
    [InlineData("v3.8", """{"platformID":1}""", 1001)]
    public async Task ForceLogout_Fails_ForBadInput(string profile, string body, int code)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();

        var (_, text) = await app.PostRawAsync("/auth/force_logout", body, admin);

        Assert.Contains($"\"errCode\":{code},", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task ForceLogout_Succeeds_ForAnUnknownUser_AndKicksNobodyElse(string profile)
    {
        // Arrange: OpenIM's ForceLogout never looks the user up, so an unregistered user is simply logged out already
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var user = await app.UserTokenAsync("u1", 1);

        // Act
        var answer = await app.PostAsync("/auth/force_logout", new { platformID = 1, userID = "nobody" }, admin);

        // Assert
        answer.AssertOk();
        (await app.PostAsync("/auth/parse_token", new { token = user })).AssertOk();
    }

    [Fact]
    public async Task ForceLogout_Answers1002_ForNonAdmin()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1");
        var user = await app.UserTokenAsync("u1", 1);

        var answer = await app.PostAsync("/auth/force_logout", new { platformID = 1, userID = "u1" }, user);

        answer.AssertError(1002);
        (await app.PostAsync("/auth/parse_token", new { token = user })).AssertOk();
    }

    [Theory]
    [InlineData("bearer ")]
    [InlineData("")]
    public async Task ProtectedRoute_RefusesBadTokenHeader(string prefix)
    {
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();

        var answer = await app.PostAsync("/user/get_users_info", new { userIDs = new[] { "imAdmin" } }, prefix + "x" + admin);

        answer.AssertError(1503);
    }

    private static byte[] Base64UrlDecode(string segment) =>
        Convert.FromBase64String(segment.Replace('-', '+').Replace('_', '/').PadRight((segment.Length + 3) / 4 * 4, '='));
}
