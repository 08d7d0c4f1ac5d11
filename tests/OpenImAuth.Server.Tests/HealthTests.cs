using System.Diagnostics;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>GET /healthz and GET /readyz on the embedded store: what a load balancer sees while it serves and while it cannot write.</summary>
public sealed class HealthTests
{
    /// <summary>Readiness answers within a second by design; this bound only says that it does not hang.</summary>
    internal static readonly TimeSpan Answered = TimeSpan.FromSeconds(3);

    internal const string Ready = """{"status":"ready"}""";

    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthAndReadiness_Answer200_WhileTheStoreServes()
    {
        // Arrange
        await using var app = new AuthApplication();
        var client = app.CreateClient();

        // Act: no operationID, no body, as a load balancer asks
        var live = await GetAsync(client, "/healthz");
        var ready = await GetAsync(client, "/readyz");

        // Assert
        Assert.Equal((200, """{"status":"ok"}"""), live);
        Assert.Equal((200, Ready), ready);
    }

    [Theory]
    [InlineData("POST", "/healthz")]
    [InlineData("PUT", "/readyz")]
    [InlineData("GET", "/healthz/x")]
    public async Task OtherMethodsAndPaths_AnswerTheUsual404Envelope(string method, string path)
    {
        // Arrange
        await using var app = new AuthApplication();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("operationID", "health");

        // Act
        using var response = await app.CreateClient().SendAsync(request, Ct);

        // Assert
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal($$"""{"errCode":1001,"errMsg":"ArgsError","errDlt":"no route {{method}} {{path}}: [1001]ArgsError"}""",
            await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Readiness_Answers503NamingSqlite_WhileAnotherProcessHoldsTheWriteLock_ThenRecovers()
    {
        // Arrange: a ready server, then another connection takes the file's write lock, as a backup tool might.
        await using var app = new AuthApplication();
        var client = app.CreateClient();
        Assert.Equal((200, Ready), await GetAsync(client, "/readyz"));
        await using var writeLock = await SqliteWriteLock.TakeAsync(app.DataDirectory);

        // Act
        var (during, elapsed) = await TimedGetAsync(client, "/readyz");
        var live = await GetAsync(client, "/healthz");

        // Assert: the probe's write waits for the lock; readiness does not.
        Assert.Equal((503, """{"status":"unavailable","down":{"sqlite":"timed out after 800 ms"}}"""), during);
        Assert.True(elapsed < Answered, $"readiness took {elapsed}");
        Assert.Equal(200, live.Status);

        // Act + Assert: the lock is released, and the store is ready again.
        await writeLock.ReleaseAsync();
        await Eventually.UntilAsync(() => GetAsync(client, "/readyz"), answer => answer == (200, Ready), Recovery,
            "readiness once the lock was released");
    }

    internal static async Task<(int Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    internal static async Task<((int Status, string Body) Answer, TimeSpan Elapsed)> TimedGetAsync(HttpClient client, string path)
    {
        var started = Stopwatch.GetTimestamp();
        var answer = await GetAsync(client, path);
        return (answer, Stopwatch.GetElapsedTime(started));
    }
}
