using System.Text.Json;
using System.Text.RegularExpressions;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>The real process's log lines: one per request with its fields, as text or JSON, and never a secret or a token.</summary>
public sealed partial class RequestLogTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-logs-");

    [Fact]
    public async Task JsonFormat_WritesOneObjectPerLine_WithTheRequestsFields()
    {
        // Arrange
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, "--log.format=json", DataDir());

        // Act
        await PostAsync(server, "/auth/parse_token", """{"token":""}""", "json-log-op");
        var output = await OutputWithAsync(server, "json-log-op");

        // Assert: every line is an object with a UTC ISO timestamp, a level and a message; the request's fields are
        // properties of their own
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.All(lines, line =>
        {
            Assert.Matches(IsoUtc(), line.GetProperty("Timestamp").GetString()!);
            Assert.False(string.IsNullOrEmpty(line.GetProperty("LogLevel").GetString()));
            Assert.False(string.IsNullOrEmpty(line.GetProperty("Message").GetString()));
        });
        var request = Assert.Single(lines, l => l.GetProperty("Message").GetString()!.Contains("json-log-op", StringComparison.Ordinal));
        Assert.Equal("Information", request.GetProperty("LogLevel").GetString());
        var fields = request.GetProperty("State");
        Assert.Equal("json-log-op", fields.GetProperty("operationID").GetString());
        Assert.Equal("/auth/parse_token", fields.GetProperty("route").GetString());
        Assert.Equal(1001, fields.GetProperty("errCode").GetInt32());
        Assert.True(fields.GetProperty("elapsedMs").GetDouble() >= 0);
        Assert.Equal("127.0.0.1", fields.GetProperty("clientAddress").GetString());
    }

    [Fact]
    public async Task TextFormat_LogsEveryRequest_UnknownRoutesToo()
    {
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, DataDir());

        await PostAsync(server, "/auth/parse_token", """{"token":""}""", "text-log-op");
        await PostAsync(server, "/auth/no_such_route", "{}", "text-log-404");
        var output = await OutputWithAsync(server, "text-log-404");

        Assert.Contains("/auth/parse_token answered errCode 1001 in ", output, StringComparison.Ordinal);
        Assert.Contains("(operationID text-log-op, client 127.0.0.1)", output, StringComparison.Ordinal);
        Assert.Contains("/auth/no_such_route answered errCode 1001", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRequests_EachHaveOneWholeLine_ThroughAStop_BesideTheConsoleLoggersLines()
    {
        // Arrange: half the requests send a previous secret, which the console logger answers with a Warning line of
        // its own (longer than its writer's 256-character pieces), written meanwhile
        const string OldSecret = "OldLogSecret-51d0a7";
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, "--log.format=json",
            $"--previousSecrets.0={OldSecret}", DataDir());
        var ids = Enumerable.Range(0, 2000).Select(i => $"batch-op-{i}").ToList();

        // Act: 2,000 requests, 64 at a time, then SIGTERM as soon as the last is answered
        await Parallel.ForEachAsync(ids.Index(), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = TestContext.Current.CancellationToken },
            async (request, _) => await (request.Index % 2 == 0
                ? PostAsync(server, "/auth/parse_token", """{"token":""}""", request.Item)
                : PostAsync(server, "/auth/get_admin_token", $$"""{"secret":"{{OldSecret}}","userID":"imAdmin"}""", request.Item)));
        Assert.Equal(0, await server.TerminateAsync());

        // Assert: every line is one whole JSON object, each request has exactly one line, and each old secret a warning
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        var logged = lines
            .Where(line => line.GetProperty("Category").GetString() == "OpenImAuth.Requests")
            .Select(line => line.GetProperty("State").GetProperty("operationID").GetString());
        Assert.Equal(ids.Order(StringComparer.Ordinal), logged.Order(StringComparer.Ordinal));
        Assert.Equal(1000, lines.Count(line => line.GetProperty("Message").GetString()!.StartsWith("A previous secret", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task NoLine_HoldsTheSecret_OrAWholeToken()
    {
        // Arrange: every level on, a secret of our own, and a lockout that ends within a second
        const string Secret = "LogSecret-2f9c1e";
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, "--log.format=json", "--log.level=Trace",
            $"--secret={Secret}", "--security.maxSecretFailures=2", "--security.lockoutSeconds=1", DataDir());

        // Act: issue, parse, force_logout, a gateway connection with a token, wrong secrets and a lockout
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "alice", nickname = "A" } } })).AssertOk();
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        var kicked = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "alice" })).Token;
        (await server.PostAsync("/auth/parse_token", new { token = kicked })).AssertOk();
        (await server.PostAsync("/auth/force_logout", new { platformID = 5, userID = "alice" }, admin)).AssertOk();
        (await server.PostAsync("/user/get_users_info", new { userIDs = new[] { "alice" } }, kicked)).AssertError(1506);
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "alice" })).Token;
        await using (var client = await GatewayClient.ConnectAsync(server.GatewayAddress + "/" + GatewayClient.SdkQuery("alice", token, 5)))
        {
            await client.ExpectLoggedInAsync();
        }
        (await server.PostAsync("/auth/user_token", new { secret = Secret + "-wrong", platformID = 5, userID = "alice" })).AssertError(1002);
        (await server.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 5, userID = "alice" })).AssertError(1002);
        var output = await OutputWithAsync(server, "may try secrets again");

        // Assert
        Assert.Contains("is locked out until", output, StringComparison.Ordinal);
        Assert.Contains("/auth/force_logout answered errCode 0", output, StringComparison.Ordinal);
        foreach (var secret in new[] { Secret, "openIM123", admin, kicked, token })
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        }
    }

    private static async Task PostAsync(ServerProcess server, string path, string body, string operationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body) };
        request.Headers.Add("operationID", operationId);
        using var response = await server.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The output once it holds <paramref name="text"/>: the console writes log lines after the answer has gone.</summary>
    private static Task<string> OutputWithAsync(ServerProcess server, string text) =>
        Eventually.UntilAsync(() => Task.FromResult(server.Output), output => output.Contains(text, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), $"a log line with {text}");

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex IsoUtc();

    private string DataDir() => $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}";

    public void Dispose() => _directory.Delete(recursive: true);
}
