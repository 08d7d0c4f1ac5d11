using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>Every route answers bad bodies with a clear 1001 envelope (413 when oversize): never a 500 or a hang.</summary>
public sealed class BadInputTests
{
    public static TheoryData<string, string> RoutesWithWrongTypes => new()
    {
        { "/auth/user_token", """{"secret":1,"platformID":1,"userID":"u"}""" },
        { "/auth/get_admin_token", """{"secret":"openIM123","userID":["imAdmin"]}""" },
        { "/auth/get_user_token", """{"platformID":true,"userID":"u"}""" },
        { "/auth/parse_token", """{"token":{}}""" },
        { "/auth/force_logout", """{"platformID":"2","userID":"u"}""" },
        { "/user/user_register", """{"secret":"openIM123","users":[{"userID":5}]}""" },
        { "/user/update_user_info", """{"userInfo":{"userID":"u","globalRecvMsgOpt":"1"}}""" },
        { "/user/update_user_info_ex", """{"userInfo":"u"}""" },
        { "/user/get_users_info", """{"userIDs":"u"}""" },
        { "/user/account_check", """{"checkUserIDs":[1,2]}""" },
        { "/user/get_all_users_uid", """{"pagination":{"pageNumber":"1","showNumber":10}}""" },
        { "/user/get_users", """{"pagination":{"pageNumber":1,"showNumber":10},"userID":3}""" },
        { "/user/set_global_msg_recv_opt", """{"userID":"u","globalRecvMsgOpt":1.5}""" },
        { "/user/get_users_online_status", """{"userIDs":"u"}""" },
        { "/user/get_users_online_token_detail", """{"userIDs":[1]}""" },
        { "/user/subscribe_users_status", """{"userID":"u","userIDs":["v"],"genre":"1"}""" },
        { "/user/get_subscribe_users_status", """{"userID":["u"]}""" },
        { "/user/get_users_status", """{"userID":"u","userIDs":{"v":1}}""" },
        { "/auth/revoke_tokens", """{"userID":"u","issuedBefore":"1700000000"}""" },
        { "/auth/clear_revocation", """{"userID":"u","platformID":[1]}""" },
        { "/auth/get_user_sessions", """{"userID":"u","pagination":{"pageNumber":1,"showNumber":"10"}}""" },
        { "/auth/revoke_session", """{"userID":"u","sessionID":7}""" },
        { "/audit/search", """{"pagination":{"pageNumber":1,"showNumber":10},"from":"1"}""" },
    };

    public static TheoryData<string> AllRoutes => new(RoutesWithWrongTypes.Select(row => row.Data.Item1));

    /// <summary>Every route but those whose fields are all optional: "{}" revokes (or clears) the whole app's mark.</summary>
    public static TheoryData<string> RoutesWithRequiredFields =>
        new(RoutesWithWrongTypes.Select(row => row.Data.Item1).Where(path => path is not ("/auth/revoke_tokens" or "/auth/clear_revocation")));

    [Theory]
    [MemberData(nameof(RoutesWithWrongTypes))]
    public async Task Route_Answers1001_ForWrongJsonType(string path, string body)
    {
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();

        var (status, text) = await app.PostRawAsync(path, body, admin);

        Assert.Equal(200, status);
        Assert.StartsWith("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: a value has the wrong JSON type""", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task Route_Answers1001_ForMalformedEmptyOrArrayBody(string path)
    {
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();

        foreach (var body in new[] { "{\"userID\":", "", "[]", "{} trailing", "{'a':1}" })
        {
            var (status, text) = await app.PostRawAsync(path, body, admin);

            Assert.Equal(200, status);
            Assert.StartsWith("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body""", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RoutesWithRequiredFields))]
    public async Task Route_Answers1001_ForMissingFields(string path)
    {
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();

        var (status, text) = await app.PostRawAsync(path, "{}", admin);

        Assert.Equal(200, status);
        Assert.StartsWith("""{"errCode":1001,""", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task Route_Answers413Envelope_ForOversizeBody(string path)
    {
        await using var app = new AuthApplication("v3", ("api:maxRequestBodyBytes", "2048"));
        var admin = await app.AdminTokenAsync();
        var body = $$"""{"pad":"{{new string('x', 4096)}}"}""";

        var (status, text) = await app.PostRawAsync(path, body, admin);

        Assert.Equal(413, status);
        Assert.Equal("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is larger than 2048 bytes: [1001]ArgsError"}""", text);
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task Route_Answers1001_WithoutOperationId(string path)
    {
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();

        var (_, text) = await app.PostRawAsync(path, "{}", admin, operationId: false);

        Assert.Equal("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"header must have operationID: [1001]ArgsError"}""", text);
    }

    private const string NotUnicode = "a string is not valid Unicode text (invalid UTF-8, or a \\\\u escape of a lone surrogate)";

    public static TheoryData<string, string> UndecodableStrings => new()
    {
        { """{"secret":"openIM123","platformID":1,"userID":"\ud800"}""", "at $.userID (line 1, byte 55)" },
        { """{"secret":"openIM123","platformID":1,"userID":"a\udc00b"}""", "at $.userID (line 1, byte 57)" },
        { "{\n  \"secret\": \"\\ud800x\",\n  \"platformID\": 1\n}", "at $.secret (line 2, byte 22)" },
        { """{"\ud800":1,"secret":"openIM123","platformID":1,"userID":"u"}""", "at $ (line 1, byte 11)" },
    };

    [Theory]
    [MemberData(nameof(UndecodableStrings))]
    public async Task UserToken_SaysTheStringIsNotUnicode_ForLoneSurrogateEscape(string body, string where)
    {
        await using var app = new AuthApplication();

        var (status, text) = await app.PostRawAsync("/auth/user_token", body);

        Assert.Equal(200, status);
        Assert.Equal($$"""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: {{NotUnicode}} {{where}}: [1001]ArgsError"}""", text);
    }

    [Fact]
    public async Task UserToken_SaysTheStringIsNotUnicode_ForInvalidUtf8()
    {
        await using var app = new AuthApplication();
        byte[] body = [.. "{\"secret\":\"openIM123\",\"platformID\":1,\"userID\":\""u8, 0xFF, .. "\"}"u8];

        var (status, text) = await app.PostBytesAsync("/auth/user_token", body);

        Assert.Equal(200, status);
        Assert.Equal($$"""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: {{NotUnicode}} at $.userID (line 1, byte 50): [1001]ArgsError"}""", text);
    }

    [Fact]
    public async Task UserToken_NamesTheWrongType_WhenAnIgnoredStringBeforeItIsNotUnicode()
    {
        await using var app = new AuthApplication();

        // The unknown field's bad string is skipped, not decoded, so the error is the wrong type after it.
        var (_, text) = await app.PostRawAsync("/auth/user_token", """{"note":"\ud800","secret":"openIM123","platformID":"1","userID":"u"}""");

        Assert.StartsWith("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: a value has the wrong JSON type at $.platformID""", text, StringComparison.Ordinal);
    }
}
