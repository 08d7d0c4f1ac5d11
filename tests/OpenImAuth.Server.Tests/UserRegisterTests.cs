using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>/user/user_register: secret (v3.0–v3.8.0) or admin token (v3.8.1+), atomic, profile userID rules.</summary>
public sealed class UserRegisterTests
{
    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task Register_WithSecret_StoresUsersAsSent(string profile)
    {
        await using var app = new AuthApplication(profile);
        var admin = await app.AdminTokenAsync();

        var answer = await app.PostAsync("/user/user_register", new
        {
            secret = AuthApplication.Secret,
            users = new[] { new { userID = "u1", nickname = "Ünïcode <n>", faceURL = "https://f/1.png", ex = "{\"k\":1}", createTime = 5 } },
        });
        var info = await app.PostAsync("/user/get_users_info", new { userIDs = new[] { "u1" } }, admin);

        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":""}""", answer.Text);
        // Raw text, as OpenIM writes it: Go escapes <>& and writes other non-ASCII raw.
        Assert.Equal(
            """[{"userID":"u1","nickname":"Ünïcode \u003cn\u003e","faceURL":"https://f/1.png","ex":"{\"k\":1}","createTime":1700000000000,"appMangerLevel":0,"globalRecvMsgOpt":0}]""",
            info.Data.GetProperty("usersInfo").GetRawText());
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task Register_WithAdminTokenAndNoSecret_Succeeds(string profile)
    {
        await using var app = new AuthApplication(profile);
        var admin = await app.AdminTokenAsync();

        var answer = await app.PostAsync("/user/user_register", new { users = new[] { new { userID = "u1", nickname = "n" } } }, admin);

        answer.AssertOk();
        (await app.PostAsync("/auth/user_token", new { secret = AuthApplication.Secret, platformID = 1, userID = "u1" })).AssertOk();
    }

    [Fact]
    public async Task Register_Fails_WithoutSecretOrToken_AndWithUserToken()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1");
        var user = await app.UserTokenAsync("u1", 1);
        var body = new { users = new[] { new { userID = "u2", nickname = "n" } } };

        (await app.PostAsync("/user/user_register", body)).AssertError(1001);
        (await app.PostAsync("/user/user_register", body, user)).AssertError(1002);
        (await app.PostAsync("/user/user_register", new { secret = "nope", body.users })).AssertError(1002);
        (await app.PostAsync("/auth/user_token", new { secret = AuthApplication.Secret, platformID = 1, userID = "u2" })).AssertError(1004);
    }

    [Fact]
    public async Task Register_IsAllOrNothing_WhenOneUserExists()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("taken");

        var answer = await app.PostAsync("/user/user_register", new
        {
            secret = AuthApplication.Secret,
            users = new[] { new { userID = "fresh", nickname = "n" }, new { userID = "taken", nickname = "n" } },
        });

        answer.AssertError(1102);
        (await app.PostAsync("/auth/user_token", new { secret = AuthApplication.Secret, platformID = 1, userID = "fresh" })).AssertError(1004);
    }

    [Fact]
    public async Task Register_Answers1102_ForConfiguredAdmin()
    {
        await using var app = new AuthApplication();

        var answer = await app.PostAsync("/user/user_register", new { secret = AuthApplication.Secret, users = new[] { new { userID = "imAdmin", nickname = "x" } } });

        answer.AssertError(1102);
    }

    [Theory]
    [InlineData("v3", """{"secret":"openIM123"}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[null]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":"a"},{"userID":"a"}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":""}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":"a:b"}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":"a\u0001b"}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":"12345678901234567890123456789012345678901234567890123456789012345"}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":"a","globalRecvMsgOpt":3}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":[{"userID":"a","appMangerLevel":9}]}""")]
    [InlineData("v3", """{"secret":"openIM123","users":{"userID":"a"}}""")]
    [InlineData("v3.8", """{"secret":"openIM123","users":[{"userID":"a-b","nickname":"n"}]}""")]
    [InlineData("v3.8", """{"secret":"openIM123","users":[{"userID":"ab"}]}""")]
    public async Task Register_Answers1001_ForInvalidUsers(string profile, string body)
    {
        await using var app = new AuthApplication(profile);

        var (status, text) = await app.PostRawAsync("/user/user_register", body);

        Assert.Equal(200, status);
        Assert.StartsWith("""{"errCode":1001,""", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v3", "a-b@c.d", 0)]
    [InlineData("v3.8", "a-b@c.d", 1001)]
    [InlineData("v3.8", "用户_1", 0)]
    public async Task Register_AppliesProfileUserIdRules(string profile, string userId, int code)
    {
        await using var app = new AuthApplication(profile);

        var answer = await app.PostAsync("/user/user_register", new { secret = AuthApplication.Secret, users = new[] { new { userID = userId, nickname = "n" } } });

        Assert.Equal(code, answer.ErrCode);
    }

    [Fact]
    public async Task Register_Answers1001_ForOversizeNickname()
    {
        await using var app = new AuthApplication();

        var answer = await app.PostAsync("/user/user_register", new { secret = AuthApplication.Secret, users = new[] { new { userID = "a", nickname = new string('n', 256) } } });

        answer.AssertError(1001);
    }
}
