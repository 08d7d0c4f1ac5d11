using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// SIGTERM on the real process: requests in flight are answered (within api.shutdownTimeoutSeconds), the store is
/// closed cleanly, the exit code is 0, and every token answered meanwhile is valid after a restart. That gateway
/// connections get a close frame (1001) is GatewayLimitsTests' to show.
/// </summary>
public sealed class ShutdownTests : IDisposable
{
    private const string Secret = "openIM123";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-shutdown-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DataDirectory => Path.Combine(_directory.FullName, "data");

    private string DataDirArgument => $"--storage.dataDir={DataDirectory}";

    [Fact]
    public async Task Sigterm_AnswersLoginsInFlight_AndEveryAnsweredTokenIsValidAfterRestart()
    {
        // Arrange: 50 clients logging in without pause, each login keeping its token (policy 0).
        var answered = new ConcurrentQueue<string>();
        var failed = new ConcurrentQueue<string>();
        int exitCode;
        string heldAnswer;
        await using (var first = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
                         DataDirArgument, "--multiLoginPolicy=0", "--multiLogin.maxNumOneEnd=10000"))
        {
            var users = Enumerable.Range(0, 50).Select(i => new { userID = $"u{i}", nickname = $"n{i}" }).ToArray();
            (await first.PostAsync("/user/user_register", new { secret = Secret, users })).AssertOk();
            var underWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var clients = users.Select(u => Task.Run(() => LogInUntilRefusedAsync(first, u.userID, answered, failed, underWay))).ToArray();
            // Whether one of the flood's logins is mid-request at the signal is chance; this one is, for certain.
            using var held = await HeldLogin.StartAsync(first.Port, "u0");

            // Act: SIGTERM while they run; once the server is stopping, the held login sends its body.
            await underWay.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            var terminated = first.TerminateAsync();
            await Eventually.UntilAsync(() => Task.FromResult(first.Output),
                output => output.Contains("Application is shutting down", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "stopping");
            await held.SendBodyAsync();
            heldAnswer = await held.ReadAnswerAsync();
            exitCode = await terminated;
            await Task.WhenAll(clients);
        }

        // Assert: a clean exit, with the store closed (its write-ahead log checkpointed into the file and removed),
        // and the held login answered although its body came only after the signal.
        Assert.Equal(0, exitCode);
        Assert.Empty(failed);
        Assert.False(File.Exists(Path.Combine(DataDirectory, "openimauth.db-wal")), "the store was not closed");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", heldAnswer, StringComparison.Ordinal);
        answered.Enqueue(HeldLogin.Token(heldAnswer));
        await using var second = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, DataDirArgument);
        var invalid = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(answered, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (token, _) =>
        {
            if (await second.PostAsync("/auth/parse_token", new { token }) is { ErrCode: not 0 } answer)
            {
                invalid.Enqueue(answer.Text);
            }
        });
        Assert.Empty(invalid);
    }

    [Fact]
    public async Task Sigterm_LetsALoginInFlightFinish_AndItsTokenIsValidAfterRestart()
    {
        // Arrange: a login under way, held by the store (another process holds the file's write lock).
        string answer;
        int exitCode;
        await using (var first = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, DataDirArgument))
        {
            (await first.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "slow", nickname = "s" } } })).AssertOk();
            await using var writeLock = await SqliteWriteLock.TakeAsync(DataDirectory);
            using var login = await HeldLogin.SendAsync(first.Port, "slow");

            // Act: SIGTERM; once the server is stopping, the store lets the login through.
            var terminated = first.TerminateAsync();
            await Eventually.UntilAsync(() => Task.FromResult(first.Output),
                output => output.Contains("Application is shutting down", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "stopping");
            await writeLock.ReleaseAsync();
            answer = await login.ReadAnswerAsync();
            exitCode = await terminated;
        }

        // Assert: answered in full, a clean exit, and the token holds after a restart.
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer, StringComparison.Ordinal);
        using var envelope = JsonDocument.Parse(answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        Assert.Equal(0, envelope.RootElement.GetProperty("errCode").GetInt32());
        Assert.Equal(0, exitCode);
        await using var second = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, DataDirArgument);
        var token = envelope.RootElement.GetProperty("data").GetProperty("token").GetString()!;
        (await second.PostAsync("/auth/parse_token", new { token })).AssertOk();
    }

    [Fact]
    public async Task Sigterm_StopsWaitingForRequests_AfterShutdownTimeoutSeconds()
    {
        // Arrange: a login held by the store for as long as the test likes, on a server that waits 1 s at most.
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, DataDirArgument, "--api.shutdownTimeoutSeconds=1");
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "held", nickname = "h" } } })).AssertOk();
        await using var writeLock = await SqliteWriteLock.TakeAsync(DataDirectory);
        using var login = await HeldLogin.SendAsync(server.Port, "held");

        // Act
        var started = Stopwatch.GetTimestamp();
        var terminated = server.TerminateAsync();
        var answer = await login.ReadAnswerAsync();
        var cutAfter = Stopwatch.GetElapsedTime(started);
        await writeLock.ReleaseAsync(); // the store's writer finishes what it holds, and the process exits
        var exitCode = await terminated;

        // Assert: the login was cut without an answer once the timeout ran out (the default would wait 10 s, the
        // store's own lock timeout far longer); the bound only says that it does not wait for either.
        Assert.Equal("", answer);
        Assert.True(cutAfter < TimeSpan.FromSeconds(6), $"the login was cut after {cutAfter}");
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Sigterm_Exits0_WhileRedisIsDown()
    {
        // Arrange: a scaled-out server whose Redis has gone away.
        await using var redis = await RedisProcess.StartAsync();
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync(redis.Address);
        await redis.KillAsync();

        // Act
        var exitCode = await server.TerminateAsync();

        // Assert: closing the stores does not fail the exit (the liveness key it cannot delete expires by itself).
        Assert.True(exitCode == 0, server.Output);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("soon")]
    public async Task Server_ExitsNamingTheKey_ForABadShutdownTimeout(string value)
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, $"--api.shutdownTimeoutSeconds={value}", DataDirArgument);

        Assert.Equal(2, exitCode);
        Assert.Contains("api.shutdownTimeoutSeconds", output, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>Logs in again and again, new platform each time, until the server refuses the connection.</summary>
    private static async Task LogInUntilRefusedAsync(ServerProcess server, string userId,
        ConcurrentQueue<string> answered, ConcurrentQueue<string> failed, TaskCompletionSource underWay)
    {
        for (var platform = 1; ; platform = platform % 9 + 1)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/user_token")
            {
                Content = new StringContent(JsonSerializer.Serialize(new { secret = Secret, platformID = platform, userID = userId })),
            };
            request.Headers.Add("operationID", "shutdown");
            string text;
            try
            {
                using var response = await server.Client.SendAsync(request, Ct);
                text = await response.Content.ReadAsStringAsync(Ct);
            }
            catch (HttpRequestException)
            {
                return; // no longer accepted: not answered, which is fine
            }
            using var envelope = JsonDocument.Parse(text);
            if (envelope.RootElement.GetProperty("errCode").GetInt32() != 0)
            {
                failed.Enqueue(text);
                return;
            }
            answered.Enqueue(envelope.RootElement.GetProperty("data").GetProperty("token").GetString()!);
            if (answered.Count >= 500)
            {
                underWay.TrySetResult();
            }
        }
    }

    /// <summary>
    /// A login on a socket of its own, sent only once the server asked for its body (100 Continue): from then on the
    /// request is the server's, in flight, whatever happens next.
    /// </summary>
    private sealed class HeldLogin(TcpClient client, byte[] body) : IDisposable
    {
        public static async Task<HeldLogin> SendAsync(int port, string userId)
        {
            var login = await StartAsync(port, userId);
            await login.SendBodyAsync();
            return login;
        }

        /// <summary>Sends the headers and waits for 100 Continue: the server's handler has begun and waits for the body.</summary>
        public static async Task<HeldLogin> StartAsync(int port, string userId)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new { secret = Secret, platformID = 1, userID = userId });
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, Ct);
            var login = new HeldLogin(client, body);
            await login.Stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /auth/user_token HTTP/1.1\r\nHost: 127.0.0.1\r\noperationID: held\r\nContent-Type: application/json\r\n" +
                $"Content-Length: {body.Length}\r\nExpect: 100-continue\r\n\r\n"), Ct);
            var buffer = new byte[64];
            var continued = "";
            while (!continued.EndsWith("\r\n\r\n", StringComparison.Ordinal) && await login.Stream.ReadAsync(buffer.AsMemory(0, 1), Ct) == 1)
            {
                continued += (char)buffer[0];
            }
            Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", continued);
            return login;
        }

        public async Task SendBodyAsync() => await Stream.WriteAsync(body, Ct);

        /// <summary>The token in a whole HTTP answer to a login.</summary>
        public static string Token(string answer)
        {
            using var envelope = JsonDocument.Parse(answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
            return envelope.RootElement.GetProperty("data").GetProperty("token").GetString()!;
        }

        private NetworkStream Stream => client.GetStream();

        /// <summary>Everything the server sends until it closes the connection; empty when it was cut without an answer.</summary>
        public async Task<string> ReadAnswerAsync()
        {
            var answer = new MemoryStream();
            try
            {
                await Stream.CopyToAsync(answer, Ct);
            }
            catch (IOException)
            {
                // reset by the server
            }
            return Encoding.UTF8.GetString(answer.ToArray());
        }

        public void Dispose() => client.Dispose();
    }
}
