using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>Byte-for-byte answers of the seed route and OpenIM's global HTTP behaviour.</summary>
public sealed class WireGoldenTests
{
    // JWT vector 3 of docs/decisions.md, W4: openIM123, user 111111, platform 1, now = 1700000000, 90 days, Format A.
    private const string Vector3 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJVc2VySUQiOiIxMTExMTEiLCJQbGF0Zm9ybUlEIjoxLCJleHAiOjE3MDc3NzYwMDAsIm5iZiI6MTY5OTk5OTcwMCwiaWF0IjoxNzAwMDAwMDAwfQ.dSg_IfafOcVQjru6wSI1tTNQSaiib832jnTowrk2MXc";

    [Fact]
    public async Task UserToken_AnswersSeedShapeByteForByte_ForRegisteredUser()
    {
        // Arrange
        await using var app = new AuthApplication();
        await app.RegisterAsync("111111");

        // Act
        var (status, body) = await app.PostRawAsync("/auth/user_token", """{"secret":"openIM123","platformID":1,"userID":"111111"}""");

        // Assert
        Assert.Equal(200, status);
        Assert.Equal($$$"""{"errCode":0,"errMsg":"","errDlt":"","data":{"token":"{{{Vector3}}}","expireTimeSeconds":7776000}}""", body);
    }

    [Fact]
    public async Task Envelope_EscapesStringsAsGoDoes_ByteForByte()
    {
        // Arrange: a nickname with everything Go's encoding/json treats specially, and what it leaves raw
        await using var app = new AuthApplication();
        const string Nickname = "a<b>&\"\\\n\r\t\u0001\u2028\u2029é😀'+";
        var users = new[] { new { userID = "golden", nickname = Nickname, faceURL = "", ex = "" } };
        (await app.PostAsync("/user/user_register", new { secret = AuthApplication.Secret, users })).AssertOk();
        var token = await app.AdminTokenAsync();

        // Act
        var (_, body) = await app.PostRawAsync("/user/get_users_info", """{"userIDs":["golden"]}""", token);

        // Assert: <>& U+2028 U+2029 and controls as \u escapes in lower-case hex, quote, backslash, \n \r \t short,
        // the rest (accents, emoji, ' and +) raw
        Assert.Contains("\"nickname\":\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\r\\t\\u0001\\u2028\\u2029é😀'+\",", body);
    }

    [Fact]
    public async Task UserToken_AnswersSeed1004ByteForByte_ForUnknownUser()
    {
        await using var app = new AuthApplication();

        var (status, body) = await app.PostRawAsync("/auth/user_token", """{"secret":"openIM123","platformID":1,"userID":"111111"}""");

        Assert.Equal(200, status);
        Assert.Equal("""{"errCode":1004,"errMsg":"RecordNotFoundError","errDlt":": [1004]RecordNotFoundError"}""", body);
    }

    [Fact]
    public async Task UserToken_Answers1001_WithoutOperationId()
    {
        await using var app = new AuthApplication();

        var (status, body) = await app.PostRawAsync("/auth/user_token", """{"secret":"openIM123","platformID":1,"userID":"imAdmin"}""", operationId: false);

        Assert.Equal(200, status);
        Assert.Equal("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"header must have operationID: [1001]ArgsError"}""", body);
    }

    [Fact]
    public async Task UserToken_Answers1002_ForWrongSecret()
    {
        await using var app = new AuthApplication();

        var (_, body) = await app.PostRawAsync("/auth/user_token", """{"secret":"openIM124","platformID":1,"userID":"imAdmin"}""");

        Assert.Equal("""{"errCode":1002,"errMsg":"NoPermissionError","errDlt":"secret invalid: [1002]NoPermissionError"}""", body);
    }

    [Theory]
    [InlineData("""{"secret":"openIM123","platformID":0,"userID":"imAdmin"}""")]
    [InlineData("""{"secret":"openIM123","platformID":12,"userID":"imAdmin"}""")]
    [InlineData("""{"secret":"openIM123","platformID":"1","userID":"imAdmin"}""")]
    [InlineData("""{"secret":"openIM123","platformID":1.5,"userID":"imAdmin"}""")]
    [InlineData("""{"secret":"openIM123","platformID":1,"userID":7}""")]
    [InlineData("""{"secret":"openIM123","platformID":1,"userID":""}""")]
    [InlineData("""{"secret":"openIM123","platformID":1}""")]
    [InlineData("""{"secret":"openIM123","platformID":99999999999,"userID":"imAdmin"}""")]
    [InlineData("""{"secret":"openIM123","platformID":1,"userID":"imAdmin""")]
    [InlineData("""[{"secret":"openIM123","platformID":1,"userID":"imAdmin"}]""")]
    [InlineData("""null""")]
    [InlineData("""not json""")]
    [InlineData("")]
    public async Task UserToken_Answers1001WithEnvelope_ForBadInput(string body)
    {
        await using var app = new AuthApplication();

        var (status, text) = await app.PostRawAsync("/auth/user_token", body);

        Assert.Equal(200, status);
        Assert.StartsWith("""{"errCode":1001,"errMsg":"ArgsError","errDlt":""", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"data\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal); // never a stack trace
    }

    [Theory]
    [InlineData("""{"secret":"openIM123","platformID":0,"userID":"imAdmin"}""",
        """{"errCode":1001,"errMsg":"ArgsError","errDlt":"platformID 0 is invalid; use 1 to 11: [1001]ArgsError"}""")]
    [InlineData("""{"secret":"openIM123","platformID":12,"userID":"imAdmin"}""",
        """{"errCode":1001,"errMsg":"ArgsError","errDlt":"platformID 12 is invalid; use 1 to 11: [1001]ArgsError"}""")]
    [InlineData("""{"secret":"openIM123","platformID":"1","userID":"imAdmin"}""",
        """{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: a value has the wrong JSON type at $.platformID (line 1, byte 39): [1001]ArgsError"}""")]
    [InlineData("""[{"secret":"openIM123","platformID":1,"userID":"imAdmin"}]""",
        """{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: a value has the wrong JSON type at $ (line 1, byte 2): [1001]ArgsError"}""")]
    [InlineData("{\"secret\":", """{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is not valid for this route: the body is not valid JSON at $ (line 1, byte 11): [1001]ArgsError"}""")]
    [InlineData("", """{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is empty; send a JSON object: [1001]ArgsError"}""")]
    public async Task UserToken_AnswersExactEnvelope_ForBadInput(string body, string expected)
    {
        await using var app = new AuthApplication();

        var (status, text) = await app.PostRawAsync("/auth/user_token", body);

        Assert.Equal(200, status);
        Assert.Equal(expected, text);
    }

    [Fact]
    public async Task UnknownRoute_AnswersExact404Envelope()
    {
        await using var app = new AuthApplication();

        var (status, text) = await app.PostRawAsync("/auth/no_such_route", "{}");

        Assert.Equal(404, status);
        Assert.Equal("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"no route POST /auth/no_such_route: [1001]ArgsError"}""", text);
    }

    [Fact]
    public async Task UserToken_Answers413WithEnvelope_ForOversizeBody()
    {
        await using var app = new AuthApplication("v3", ("api:maxRequestBodyBytes", "4096"));
        var body = $$"""{"secret":"openIM123","platformID":1,"userID":"imAdmin","pad":"{{new string('x', 5000)}}"}""";

        var (status, text) = await app.PostRawAsync("/auth/user_token", body);

        Assert.Equal(413, status);
        Assert.Equal("""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body is larger than 4096 bytes: [1001]ArgsError"}""", text);
    }

    [Fact]
    public async Task UserToken_AcceptsKeysInAnyCase_AsGoDoes()
    {
        await using var app = new AuthApplication();

        var answer = await app.PostAsync("/auth/user_token", new { SECRET = "openIM123", PlatformID = 5, userid = "imAdmin", unknown = true });

        answer.AssertOk();
    }

    [Fact]
    public async Task UnknownRoute_Answers404WithEnvelope()
    {
        await using var app = new AuthApplication();

        var (status, text) = await app.PostRawAsync("/auth/no_such_route", "{}");
        using var get = await app.CreateClient().GetAsync("/auth/user_token", TestContext.Current.CancellationToken);

        Assert.Equal(404, status);
        Assert.Contains("\"errCode\":1001", text, StringComparison.Ordinal);
        Assert.Equal(404, (int)get.StatusCode);
    }

    [Fact]
    public async Task Options_AnswersOptionsRequestWithCorsHeaders_OnAnyPath()
    {
        await using var app = new AuthApplication();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/anything/at/all");

        using var response = await app.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("\"Options Request!\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("172800", response.Headers.GetValues("Access-Control-Max-Age").Single());
    }

    [Fact]
    public async Task Answers_HaveExactContentTypeAndCors()
    {
        await using var app = new AuthApplication();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/user_token") { Content = new StringContent("{}") };
        request.Headers.Add("operationID", "1");

        using var response = await app.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("false", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("FooBar", response.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }
}
