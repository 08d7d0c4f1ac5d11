using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// OpenIM's own API test script, ported: openimsdk/open-im-server, <c>scripts/install/test.sh</c>, the functions
/// <c>openim::test::auth</c> and <c>openim::test::user</c> with the functions they call, in their order and with their
/// bodies. Each call there passes when <c>errCode</c> is 0 (<c>openim::test::check_error</c>); the token header is a
/// user_token of <c>openIM123456</c>, the first of the administrators of OpenIM's default configuration
/// (MANAGER_USERID_1..3).
/// </summary>
public sealed class UpstreamTestScriptTests
{
    private const string Manager1 = "openIM123456";
    private const string Manager2 = "openIM654321";
    private const string Manager3 = "openIMAdmin";

    private static AuthApplication Start() => new("v3",
        ("imAdminUserID:0", Manager1), ("imAdminUserID:1", Manager2), ("imAdminUserID:2", Manager3));

    /// <summary>openim::test::get_token: the token the script sends with every call after it.</summary>
    private static async Task<string> GetTokenAsync(AuthApplication app)
    {
        var (_, text) = await app.PostRawAsync("/auth/user_token",
            $$"""{"secret": "{{AuthApplication.Secret}}","platformID": 1,"userID": "{{Manager1}}"}""");
        var token = JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("token").GetString();
        Assert.False(string.IsNullOrEmpty(token), text);
        return token!;
    }

    /// <summary>openim::test::check_error: errCode must be 0.</summary>
    private static async Task CheckAsync(AuthApplication app, string path, string body, string? token)
    {
        var (status, text) = await app.PostRawAsync(path, body, token);
        Assert.Equal(200, status); // curl -f
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errCode").GetInt32() == 0, $"{path}: {text}");
    }

    [Fact]
    public async Task Auth_PassesAsInTheScript()
    {
        await using var app = Start();

        // 1. openim::test::get_token; 2. openim::test::force_logout
        var token = await GetTokenAsync(app);
        await CheckAsync(app, "/auth/force_logout", """{"platformID": 2,"userID": "4950983283"}""", token);
    }

    [Fact]
    public async Task User_PassesAsInTheScript()
    {
        await using var app = Start();
        var token = await GetTokenAsync(app);
        var userId = Random.Shared.Next(0, 32768).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var testUserId = (32768 + Random.Shared.Next(0, 32768)).ToString(System.Globalization.CultureInfo.InvariantCulture); // $RANDOM twice, never equal

        // 1. openim::test::user_register, twice (the secret in the body, no token header)
        foreach (var id in new[] { userId, testUserId })
        {
            await CheckAsync(app, "/user/user_register",
                $$$"""{"secret": "{{{AuthApplication.Secret}}}","users": [{"userID": "{{{id}}}","nickname": "user01","faceURL": "new_face_url"}]}""", null);
        }
        // 2. openim::test::check_user_account
        await CheckAsync(app, "/user/account_check", $$"""{"checkUserIDs": ["{{testUserId}}","{{Manager1}}","{{Manager2}}","{{Manager3}}"]}""", token);
        // 3. openim::test::get_users
        await CheckAsync(app, "/user/get_users", """{"pagination": {"pageNumber": 1,"showNumber": 100}}""", token);
        // 4. openim::test::get_users_info
        await CheckAsync(app, "/user/get_users_info", $$"""{"userIDs": ["{{testUserId}}","{{Manager1}}"]}""", token);
        // 5. openim::test::get_users_online_status (TEST_USER_ID is local to openim::test::user, so the callee sees it)
        await CheckAsync(app, "/user/get_users_online_status",
            $$"""{"userIDs": ["{{testUserId}}","{{Manager1}}","{{Manager2}}","{{Manager3}}"]}""", token);
        // 6. openim::test::update_user_info
        await CheckAsync(app, "/user/update_user_info",
            $$$"""{"userInfo": {"userID": "{{{testUserId}}}","nickname": "openimbot","faceURL": "https://github.com/openimbot"}}""", token);
        // 7. openim::test::get_subscribe_users_status
        await CheckAsync(app, "/user/get_subscribe_users_status", $$"""{"userID": "{{testUserId}}"}""", token);
        // 8. openim::test::subscribe_users_status
        await CheckAsync(app, "/user/subscribe_users_status",
            """{"userID": "9168684795","userIDs": ["7475779354","6317136453","8450535746"],"genre": 1}""", token);
        // 9. openim::test::set_global_msg_recv_opt
        await CheckAsync(app, "/user/set_global_msg_recv_opt", $$"""{"userID": "{{testUserId}}","globalRecvMsgOpt": 0}""", token);
    }
}
