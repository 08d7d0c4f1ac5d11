using System.Net.WebSockets;
using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>The gateway's connect handshake (docs/decisions.md, W9), against the real server process.</summary>
public sealed class GatewayHandshakeTests(GatewayHandshakeTests.Server server) : IClassFixture<GatewayHandshakeTests.Server>
{
    public sealed class Server : GatewayServer
    {
        protected override IReadOnlyList<string> Settings => ["--longConnSvr.path=/msg_gateway"];
    }

    [Fact]
    public async Task Connect_SendsLoggedInTextFrameFirst_ForValidToken()
    {
        var userId = await server.NewUserAsync();
        var token = await server.TokenAsync(userId, 5);

        await using var client = await server.ConnectAsync(userId, token, 5);

        await client.ExpectLoggedInAsync();
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task Connect_IsServedOnConfiguredPath_AndNowhereElse()
    {
        var userId = await server.NewUserAsync();
        var token = await server.TokenAsync(userId, 5);
        var query = GatewayClient.SdkQuery(userId, token, 5);

        await using var client = await GatewayClient.ConnectAsync(server.Url(query, "/msg_gateway"));
        await client.ExpectLoggedInAsync();

        Assert.Equal(404, await GatewayClient.ConnectRefusedAsync(server.Url(query, "/elsewhere")));
    }

    [Fact]
    public async Task Ports_ServeEitherTheApiOrTheGateway()
    {
        var userId = await server.NewUserAsync();
        var token = await server.TokenAsync(userId, 5);
        using var http = new HttpClient();

        var wsOnApiPort = await GatewayClient.ConnectRefusedAsync($"ws://127.0.0.1:{server.Process.Port}/{GatewayClient.SdkQuery(userId, token, 5)}");
        using var apiOnGatewayPort = await http.PostAsync($"http://127.0.0.1:{server.Process.GatewayPort}/auth/user_token",
            new StringContent("{}"), TestContext.Current.CancellationToken);

        Assert.Equal(404, wsOnApiPort);
        Assert.Equal(404, (int)apiOnGatewayPort.StatusCode);
    }

    public static TheoryData<string, int, string> RefusedTokens => new()
    {
        { "kicked", 1506, "TokenKickedError" },
        { "expired", 1501, "TokenExpiredError" },
        { "garbage", 1503, "TokenMalformedError" },
        { "bad-signature", 1505, "TokenUnknownError" },
        { "never-issued", 1507, "TokenNotExistError" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Connect_SendsErrorTextFrameThenCloses_ForRefusedToken(string kind, int code, string name)
    {
        var userId = await server.NewUserAsync();
        var token = await TokenOfKindAsync(kind, userId);

        await using var client = await server.ConnectAsync(userId, token, 5);
        var (before, close) = await client.ReceiveUntilCloseAsync();

        var frame = Assert.Single(before);
        Assert.Equal(WebSocketMessageType.Text, frame.Type);
        Assert.Equal(code, frame.Json.GetProperty("errCode").GetInt32());
        Assert.Equal(name, frame.Json.GetProperty("errMsg").GetString());
        Assert.EndsWith($"[{code}]{name}", frame.Json.GetProperty("errDlt").GetString(), StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
    }

    [Theory]
    [InlineData("other-user", 5)]
    [InlineData("same-user", 2)]
    public async Task Connect_Refuses1502_WhenSendIdOrPlatformIdIsNotTheToken(string who, int platformId)
    {
        var userId = await server.NewUserAsync();
        var token = await server.TokenAsync(userId, 5);
        var sendId = who == "same-user" ? userId : await server.NewUserAsync();

        await using var client = await server.ConnectAsync(sendId, token, platformId);
        var (before, _) = await client.ReceiveUntilCloseAsync();

        Assert.Equal(1502, Assert.Single(before).Json.GetProperty("errCode").GetInt32());
    }

    [Fact]
    public async Task Connect_AnswersHttp200Envelope_ForRefusedTokenWithoutIsMsgResp()
    {
        var userId = await server.NewUserAsync();
        var token = await TokenOfKindAsync("kicked", userId);
        var url = server.Url(GatewayClient.SdkQuery(userId, token, 5, isMsgResp: false));

        var status = await GatewayClient.ConnectRefusedAsync(url);
        var body = await GetAsync(url);

        Assert.Equal(200, status);
        Assert.Equal("""{"errCode":1506,"errMsg":"TokenKickedError","errDlt":": [1506]TokenKickedError"}""", body);
    }

    [Fact]
    public async Task Connect_SendsNoHandshakeFrame_WithoutIsMsgResp()
    {
        var userId = await server.NewUserAsync();
        var token = await server.TokenAsync(userId, 5);

        await using var client = await server.ConnectAsync(userId, token, 5, isMsgResp: false);

        await client.ExpectAliveAsync(); // the pong is the first frame
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "no token", "?sendID=u&platformID=5&operationID=o&sdkType=js" },
        { "no sendID", "?token=t&platformID=5&operationID=o&sdkType=js" },
        { "no operationID", "?token=t&sendID=u&platformID=5&sdkType=js" },
        { "platformID 0", "?token=t&sendID=u&platformID=0&operationID=o&sdkType=js" },
        { "platformID 12", "?token=t&sendID=u&platformID=12&operationID=o&sdkType=js" },
        { "platformID text", "?token=t&sendID=u&platformID=web&operationID=o&sdkType=js" },
        { "isBackground not a bool", "?token=t&sendID=u&platformID=5&operationID=o&isBackground=maybe&sdkType=js" },
        { "isMsgResp not a bool", "?token=t&sendID=u&platformID=5&operationID=o&isMsgResp=2&sdkType=js" },
        { "gob frames", "?token=t&sendID=u&platformID=5&operationID=o&isMsgResp=true&sdkType=go" },
        { "no sdkType", "?token=t&sendID=u&platformID=5&operationID=o&isMsgResp=true" },
        { "unknown sdkType", "?token=t&sendID=u&platformID=5&operationID=o&sdkType=rust" },
        { "gzip", "?token=t&sendID=u&platformID=5&operationID=o&sdkType=js&compression=gzip" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Connect_Answers1602OverHttp_ForBadQuery(string problem, string query)
    {
        var status = await GatewayClient.ConnectRefusedAsync(server.Url(query));
        var body = JsonDocument.Parse(await GetAsync(server.Url(query))).RootElement;

        Assert.Equal(200, status);
        Assert.True(body.GetProperty("errCode").GetInt32() == 1602, problem);
    }

    [Fact]
    public async Task Connect_AcceptsMissingIsBackground_AndKeepsLiteralPlusInUserId()
    {
        // The JS SDK does not encode its query: a '+' in a userID must stay a '+', not become a space.
        var userId = await server.NewUserAsync("a+b");
        var token = await server.TokenAsync(userId, 3);

        await using var client = await GatewayClient.ConnectAsync(
            server.Url($"?sendID={userId}&token={token}&platformID=3&operationID=o&isMsgResp=true&sdkType=js"));

        await client.ExpectLoggedInAsync();
    }

    private async Task<string> TokenOfKindAsync(string kind, string userId)
    {
        switch (kind)
        {
            case "kicked":
                var token = await server.TokenAsync(userId, 5);
                await server.ForceLogoutAsync(userId, 5);
                return token;
            case "expired":
                return GatewayServer.ExpiredToken(userId, 5);
            case "bad-signature":
                return new Core.Tokens.TokenCodec("another-secret").Sign(userId, 5, DateTimeOffset.UtcNow, TimeSpan.FromDays(1), Core.Tokens.TokenFormat.WithNotBefore);
            case "never-issued":
                return new Core.Tokens.TokenCodec(GatewayServer.Secret).Sign(userId, 5, DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromDays(1), Core.Tokens.TokenFormat.WithNotBefore);
            default:
                return "garbage";
        }
    }

    private static async Task<string> GetAsync(string wsUrl)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(wsUrl.Replace("ws://", "http://", StringComparison.Ordinal), TestContext.Current.CancellationToken);
    }
}
