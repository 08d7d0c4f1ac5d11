using System.Net.WebSockets;
using System.Text;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests.Gateway;

/// <summary>Frames after the handshake (docs/decisions.md, W10): heartbeat, requests, bad and oversize frames.</summary>
public sealed class GatewayFrameTests(GatewayServer server) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task Ping_GetsTextPong_EchoingItsBody()
    {
        await using var client = await LoginAsync();

        await client.SendTextAsync("""{"type":"ping"}""");
        var bare = await client.ReceiveAsync();
        await client.SendTextAsync("""{"type":"ping","body":"{\"k\":1}"}""");
        var echoed = await client.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Text, bare.Type);
        Assert.Equal("""{"type":"pong","body":null}""", bare.Text);
        Assert.Equal("""{"type":"pong","body":"{\"k\":1}"}""", echoed.Text);
    }

    [Fact]
    public async Task PipelinedPings_AreEachAnswered_InOrder()
    {
        // Far more pings than the outbox holds, sent without waiting for answers: the single sender stops and starts
        // again many times, and the reader waits for room whenever the client's reading falls behind.
        const int pings = 3000;
        await using var client = await LoginAsync();

        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < pings; i++)
            {
                await client.SendTextAsync($$"""{"type":"ping","body":"{{i}}"}""");
            }
        }, TestContext.Current.CancellationToken);
        var answers = new List<string>(pings);
        for (var i = 0; i < pings; i++)
        {
            answers.Add((await client.ReceiveAsync()).Text);
        }
        await sending;

        Assert.Equal(Enumerable.Range(0, pings).Select(i => $$"""{"type":"pong","body":"{{i}}"}"""), answers);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task Pong_IsAcceptedSilently()
    {
        await using var client = await LoginAsync();

        await client.SendTextAsync("""{"type":"pong"}""");

        await client.ExpectAliveAsync(); // the next frame answers the ping, not the pong
    }

    [Fact]
    public async Task GetConvMaxReadSeq_GetsBinaryReply_EchoingItsIds()
    {
        var (client, userId) = await LoginWithIdAsync();
        await using var _ = client;

        await client.SendBinaryAsync($$"""{"reqIdentifier":1006,"msgIncr":"ct28gzhddb1795640945053","sendID":"{{userId}}","operationID":"76bei13zz1795640944925","data":"CgJ1MQ=="}""");
        var reply = await client.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Binary, reply.Type);
        Assert.Equal("""{"reqIdentifier":1006,"msgIncr":"ct28gzhddb1795640945053","operationID":"76bei13zz1795640944925","errCode":0,"errMsg":"","data":null}""", reply.Text);
    }

    [Fact]
    public async Task UnsupportedReqIdentifier_GetsErrorReply_AndConnectionStays()
    {
        var (client, userId) = await LoginWithIdAsync();
        await using var _ = client;

        await client.SendBinaryAsync($$"""{"reqIdentifier":1003,"msgIncr":"m7","sendID":"{{userId}}","operationID":"op","data":""}""");
        var reply = await client.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Binary, reply.Type);
        Assert.Equal("""{"reqIdentifier":1003,"msgIncr":"m7","operationID":"op","errCode":1001,"errMsg":"ArgsError","data":null}""", reply.Text);
        await client.ExpectAliveAsync();
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"reqIdentifier":"1006"}""")]
    [InlineData("null")]
    [InlineData("[1006]")]
    public async Task UnreadableBinaryFrame_GetsErrorReply_AndConnectionStays(string payload)
    {
        await using var client = await LoginAsync();

        await client.SendBinaryAsync(payload);
        var reply = await client.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Binary, reply.Type);
        Assert.Equal("""{"reqIdentifier":0,"msgIncr":"","operationID":"","errCode":1001,"errMsg":"ArgsError","data":null}""", reply.Text);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task RequestForAnotherUser_GetsNoPermissionReply()
    {
        await using var client = await LoginAsync();

        await client.SendBinaryAsync("""{"reqIdentifier":1006,"msgIncr":"m1","sendID":"someone-else","operationID":"op"}""");
        var reply = await client.ReceiveAsync();

        Assert.Equal(1002, reply.Json.GetProperty("errCode").GetInt32());
        Assert.Equal("m1", reply.Json.GetProperty("msgIncr").GetString());
    }

    [Theory]
    [InlineData("""{"type":"hello"}""")]
    [InlineData("not json")]
    [InlineData("""{"reqIdentifier":1006}""")]
    public async Task TextFrameOtherThanHeartbeat_ClosesWith1003(string text)
    {
        await using var client = await LoginAsync();

        await client.SendTextAsync(text);
        var (before, close) = await client.ReceiveUntilCloseAsync();

        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, close.CloseStatus);
    }

    [Fact]
    public async Task FrameOfExactlyMaxMsgLen_IsServed()
    {
        var (client, userId) = await LoginWithIdAsync();
        await using var _ = client;
        var request = $$"""{"reqIdentifier":1006,"msgIncr":"big","sendID":"{{userId}}","operationID":"op"}""";

        await client.SendBinaryAsync(request.PadRight(4096)); // JSON may end in whitespace

        Assert.Equal("big", (await client.ReceiveAsync()).Json.GetProperty("msgIncr").GetString());
        // The read buffer grew for that frame and shrank back: small frames go on being served.
        await client.ExpectAliveAsync();
        await client.SendBinaryAsync(request.Replace("big", "small", StringComparison.Ordinal));
        Assert.Equal("small", (await client.ReceiveAsync()).Json.GetProperty("msgIncr").GetString());
    }

    [Fact]
    public async Task FrameOverMaxMsgLen_ClosesWith1009()
    {
        var (client, userId) = await LoginWithIdAsync();
        await using var _ = client;
        var request = $$"""{"reqIdentifier":1006,"msgIncr":"big","sendID":"{{userId}}","operationID":"op"}""";

        await client.SendAsync(Encoding.UTF8.GetBytes(request.PadRight(4097)), WebSocketMessageType.Binary);
        var (before, close) = await client.ReceiveUntilCloseAsync();

        Assert.Empty(before);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, close.CloseStatus);
    }

    [Fact]
    public async Task Logout_IsAnsweredThenClosed()
    {
        var (client, userId) = await LoginWithIdAsync();
        await using var _ = client;

        await client.SendBinaryAsync($$"""{"reqIdentifier":2003,"msgIncr":"bye","sendID":"{{userId}}","operationID":"op"}""");
        var (before, close) = await client.ReceiveUntilCloseAsync();

        Assert.Equal("""{"reqIdentifier":2003,"msgIncr":"bye","operationID":"op","errCode":0,"errMsg":"","data":null}""", Assert.Single(before).Text);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
    }

    [Fact]
    public async Task ClientClose_IsAnsweredWithACloseFrame()
    {
        await using var client = await LoginAsync();

        await client.CloseOutputAsync();
        var close = await client.ReceiveAsync();

        Assert.True(close.IsClose);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    private async Task<GatewayClient> LoginAsync() => (await LoginWithIdAsync()).Client;

    private async Task<(GatewayClient Client, string UserId)> LoginWithIdAsync()
    {
        var userId = await server.NewUserAsync("frames");
        return ((await server.LoginAsync(userId, 5)).Client, userId);
    }
}
