using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>update_user_info, update_user_info_ex and set_global_msg_recv_opt: self or admin, in both profiles.</summary>
public sealed class UserProfileTests
{
    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task UpdateUserInfo_ChangesOnlyNonEmptyFields_ForSelf(string profile)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var self = await app.UserTokenAsync("u1", 1);

        var answer = await app.PostAsync("/user/update_user_info", new { userInfo = new { userID = "u1", nickname = "", faceURL = "f2", globalRecvMsgOpt = 0 } }, self);
        var user = await GetUserAsync(app, "u1", self);

        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":""}""", answer.Text);
        Assert.Equal("nick-u1", user.GetProperty("nickname").GetString());
        Assert.Equal("f2", user.GetProperty("faceURL").GetString());
    }

    [Fact]
    public async Task UpdateUserInfoEx_ClearsWithEmptyString_AndKeepsNull()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1");
        var self = await app.UserTokenAsync("u1", 1);

        var answer = await app.PostAsync("/user/update_user_info_ex", new { userInfo = new { userID = "u1", nickname = "", faceURL = (string?)null, ex = "e2", globalRecvMsgOpt = 2 } }, self);
        var user = await GetUserAsync(app, "u1", self);

        answer.AssertOk();
        Assert.Equal("", user.GetProperty("nickname").GetString());
        Assert.Equal("e2", user.GetProperty("ex").GetString());
        Assert.Equal(2, user.GetProperty("globalRecvMsgOpt").GetInt32());
    }

    [Theory]
    [InlineData("/user/update_user_info")]
    [InlineData("/user/update_user_info_ex")]
    public async Task Update_Answers1002_ForAnotherUser_AndAllowsAdmin(string path)
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1", "u2");
        var other = await app.UserTokenAsync("u2", 1);
        var admin = await app.AdminTokenAsync();
        var body = new { userInfo = new { userID = "u1", nickname = "changed" } };

        (await app.PostAsync(path, body, other)).AssertError(1002);
        (await app.PostAsync(path, body, admin)).AssertOk();

        Assert.Equal("changed", (await GetUserAsync(app, "u1", admin)).GetProperty("nickname").GetString());
    }

    [Theory]
    [InlineData("/user/update_user_info", """{}""", 1001)]
    [InlineData("/user/update_user_info", """{"userInfo":{"nickname":"x"}}""", 1001)]
    [InlineData("/user/update_user_info", """{"userInfo":{"userID":"ghost","nickname":"x"}}""", 1004)]
    [InlineData("/user/update_user_info_ex", """{"userInfo":null}""", 1001)]
    [InlineData("/user/update_user_info_ex", """{"userInfo":{"userID":"ghost","ex":"x"}}""", 1004)]
    [InlineData("/user/update_user_info_ex", """{"userInfo":{"userID":"u1","globalRecvMsgOpt":7}}""", 1001)]
    [InlineData("/user/set_global_msg_recv_opt", """{"globalRecvMsgOpt":1}""", 1001)]
    [InlineData("/user/set_global_msg_recv_opt", """{"userID":"u1","globalRecvMsgOpt":3}""", 1001)]
    [InlineData("/user/set_global_msg_recv_opt", """{"userID":"ghost","globalRecvMsgOpt":1}""", 1004)]
    public async Task Update_Fails_ForMissingFieldsBadValuesOrUnknownUser(string path, string body, int code)
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();

        var (_, text) = await app.PostRawAsync(path, body, admin);

        Assert.StartsWith($$"""{"errCode":{{code}},""", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task SetGlobalMsgRecvOpt_SetsOwnOption_AndRefusesOthers(string profile)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1", "u2");
        var self = await app.UserTokenAsync("u1", 1);

        var own = await app.PostAsync("/user/set_global_msg_recv_opt", new { userID = "u1", globalRecvMsgOpt = 2 }, self);
        var others = await app.PostAsync("/user/set_global_msg_recv_opt", new { userID = "u2", globalRecvMsgOpt = 2 }, self);

        own.AssertOk();
        others.AssertError(1002);
        Assert.Equal(2, (await GetUserAsync(app, "u1", self)).GetProperty("globalRecvMsgOpt").GetInt32());
        Assert.Equal(0, (await GetUserAsync(app, "u2", self)).GetProperty("globalRecvMsgOpt").GetInt32());
    }

    private static async Task<System.Text.Json.JsonElement> GetUserAsync(AuthApplication app, string userId, string token)
    {
        var answer = await app.PostAsync("/user/get_users_info", new { userIDs = new[] { userId } }, token);
        answer.AssertOk();
        return answer.Data.GetProperty("usersInfo")[0];
    }
}
