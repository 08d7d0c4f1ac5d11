using System.Net.Sockets;
using System.Text;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// A body the HTTP layer cannot read (a bad chunked encoding, a body that stops arriving) is the client's error: 400
/// (408 for the body that stopped) with a 1001 envelope, and nothing in the server's log above Debug. Sent on raw connections, as no HTTP client sends such
/// bodies, to a real server process whose output is its log.
/// </summary>
public sealed class UnreadableBodyTests
{
    private const string Head = "POST /auth/user_token HTTP/1.1\r\nHost: x\r\noperationID: op\r\nContent-Type: application/json\r\nConnection: close\r\n";
    private const string Body = """{"secret":"openIM123","platformID":1,"userID":"u1"}""";

    public static TheoryData<string, int, string> UnreadableBodies => new()
    {
        { $"{Head}Transfer-Encoding: chunked\r\n\r\nzz\r\n{Body}\r\n0\r\n\r\n", 400, "Bad chunk size data" },
        { $"{Head}Transfer-Encoding: chunked\r\n\r\n-1\r\n{Body}\r\n0\r\n\r\n", 400, "Bad chunk size data" },
        { $"{Head}Transfer-Encoding: chunked\r\n\r\n2\r\n{Body}\r\n0\r\n\r\n", 400, "Bad chunk suffix" },
        // Cut short mid-chunk, the connection left open: Kestrel gives up once the body stops arriving (5 s).
        { $"{Head}Transfer-Encoding: chunked\r\n\r\n40\r\n{Body[..20]}", 408, "it arrived too slowly" },
    };

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task UnreadableBody_GetsEnvelope_AndNoLogAboveDebug(string request, int status, string reason)
    {
        // Arrange
        await using var server = await GatewayServer.StartAsync();

        // Act
        var answer = await ExchangeAsync(server.Process.Port, request);
        await server.Process.TerminateAsync(); // the log is complete once the process has exited

        // Assert
        Assert.StartsWith($"HTTP/1.1 {status} ", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n" + $$"""{"errCode":1001,"errMsg":"ArgsError","errDlt":"request body could not be read: {{reason}}: [1001]ArgsError"}""",
            answer, StringComparison.Ordinal);
        AssertNothingLoggedAboveDebug(server.Process.Output);
    }

    /// <summary>
    /// The console log's level prefixes (its default format) for Warning, Error and Critical, from the moment the server
    /// serves: the start-up warnings before it (the test secret is OpenIM's weak default) are not about the request.
    /// </summary>
    private static void AssertNothingLoggedAboveDebug(string log)
    {
        var started = log.IndexOf("Application started", StringComparison.Ordinal);
        Assert.True(started >= 0, $"the log was not captured: {log}");
        var serving = log[started..];
        foreach (var prefix in new[] { "warn:", "fail:", "crit:" })
        {
            Assert.DoesNotContain(prefix, serving, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> on a raw connection and reads until the server closes it. The connection is
    /// not half-closed: Kestrel takes that for a client that went away, and answers nothing.
    /// </summary>
    private static async Task<string> ExchangeAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30)); // a generous bound: the point is that it does not hang
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token);
        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
