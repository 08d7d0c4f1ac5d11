using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// <c>GET /metrics</c>: each metric moves with what it counts. The counters are per process, so every test that
/// counts runs a server process of its own (in-memory hosts of other tests share this test process).
/// </summary>
public sealed class MetricsTests : IDisposable
{
    private const string Secret = "openIM123";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-metrics-");

    [Fact]
    public async Task Metrics_CountTokensSecretFailuresAndKicks_ByLabel()
    {
        // Arrange
        await using var server = await StartAsync();
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "alice", nickname = "A" } } })).AssertOk();
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        var before = await ScrapeAsync(server);

        // Act + Assert: a token on platform 1 counts once, under its platform's name.
        var first = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" })).Token;
        var issued = await ScrapeAsync(server);
        Assert.Equal(1, Delta(before, issued, "openimauth_tokens_issued_total", ("platform", "IOS")));
        Assert.Equal(1, Delta(before, issued, "openimauth_tokens_issued_total"));

        // A wrong secret on each of the three routes that take one counts once each.
        (await server.PostAsync("/auth/user_token", new { secret = "wrong", platformID = 1, userID = "alice" })).AssertError(1002);
        (await server.PostAsync("/auth/get_admin_token", new { secret = "wrong", userID = "imAdmin" })).AssertError(1002);
        (await server.PostAsync("/user/user_register", new { secret = "wrong", users = new[] { new { userID = "bob", nickname = "B" } } })).AssertError(1002);
        var refused = await ScrapeAsync(server);
        Assert.Equal(3, Delta(issued, refused, "openimauth_secret_failures_total"));
        Assert.Equal(0, Delta(issued, refused, "openimauth_tokens_issued_total"));

        // A second login on the same platform kicks the first (multi-login policy 1).
        var second = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" })).Token;
        (await server.PostAsync("/auth/parse_token", new { token = first })).AssertError(1506);
        var relogged = await ScrapeAsync(server);
        Assert.Equal(1, Delta(refused, relogged, "openimauth_tokens_kicked_total", ("reason", "multi_login")));
        Assert.Equal(0, Delta(refused, relogged, "openimauth_tokens_kicked_total", ("reason", "force_logout")));

        // force_logout revokes the live token.
        (await server.PostAsync("/auth/force_logout", new { platformID = 1, userID = "alice" }, admin)).AssertOk();
        (await server.PostAsync("/auth/parse_token", new { token = second })).AssertError(1506);
        var loggedOut = await ScrapeAsync(server);
        Assert.Equal(1, Delta(relogged, loggedOut, "openimauth_tokens_kicked_total", ("reason", "force_logout")));
        Assert.Equal(0, Delta(relogged, loggedOut, "openimauth_tokens_kicked_total", ("reason", "multi_login")));

        // Reserved and future series are exported at 0 from the start.
        Assert.True(loggedOut.Has("openimauth_lockouts_total"), loggedOut.Text);
        Assert.Equal(0, loggedOut.Value("openimauth_lockouts_total"));
        Assert.Equal(0, loggedOut.Value("openimauth_tokens_kicked_total", ("reason", "revoke")));
        Assert.True(loggedOut.Has("openimauth_tokens_issued_total") && loggedOut.Value("openimauth_tokens_issued_total", ("platform", "HarmonyOS")) == 0);
    }

    [Fact]
    public async Task Metrics_RecordRequestDurationPerRoute_AndStoreLatency()
    {
        // Arrange
        await using var server = await StartAsync();
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "imAdmin" })).Token;

        // Act
        (await server.PostAsync("/auth/parse_token", new { token })).AssertOk();
        var scrape = await ScrapeAsync(server);

        // Assert: ASP.NET Core's histogram per route pattern, and store calls timed by store and operation.
        Assert.Equal(1, scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/auth/user_token")));
        Assert.Equal(1, scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/auth/parse_token")));
        Assert.True(scrape.Value("openimauth_store_duration_seconds_count", ("store", "sqlite"), ("operation", "issue")) >= 1, scrape.Text);
        Assert.True(scrape.Value("openimauth_store_duration_seconds_count", ("store", "sqlite"), ("operation", "check")) >= 1, scrape.Text);
        Assert.True(scrape.Value("openimauth_store_duration_seconds_sum", ("store", "sqlite"), ("operation", "issue")) > 0, scrape.Text);
        // Scrapes themselves are not requests of any route.
        Assert.Equal(0, scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/metrics")));
    }

    [Fact]
    public async Task Metrics_GatewayConnections_FollowLiveConnections()
    {
        // Arrange
        await using var server = await StartAsync();
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "imAdmin" })).Token;
        Assert.Equal(0, (await ScrapeAsync(server)).Value("openimauth_gateway_connections"));

        // Act + Assert: one connection open, then closed.
        var client = await GatewayClient.ConnectAsync(server.GatewayAddress + "/" + GatewayClient.SdkQuery("imAdmin", token, 5));
        await using (client)
        {
            await client.ExpectLoggedInAsync();
            await GaugeAsync(server, 1);
        }
        await GaugeAsync(server, 0);
    }

    [Fact]
    public async Task Metrics_OnRedisStore_CountCheckCacheHitsAndMisses()
    {
        // Arrange
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync();
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "imAdmin" })).Token;
        var before = await ScrapeAsync(server);

        // Act: the first check reads the token's hash from Redis; the next ones answer from memory.
        (await server.PostAsync("/auth/parse_token", new { token })).AssertOk();
        var afterFirst = await ScrapeAsync(server);
        (await server.PostAsync("/auth/parse_token", new { token })).AssertOk();
        (await server.PostAsync("/auth/parse_token", new { token })).AssertOk();
        var afterMore = await ScrapeAsync(server);

        // Assert
        Assert.Equal(1, Delta(before, afterFirst, "openimauth_check_cache_misses_total"));
        Assert.Equal(0, Delta(before, afterFirst, "openimauth_check_cache_hits_total"));
        Assert.Equal(2, Delta(afterFirst, afterMore, "openimauth_check_cache_hits_total"));
        Assert.True(afterMore.Value("openimauth_store_duration_seconds_count", ("store", "redis"), ("operation", "check")) >= 1, afterMore.Text);
        Assert.True(afterMore.Value("openimauth_store_duration_seconds_count", ("store", "postgres")) >= 1, afterMore.Text);
    }

    [Fact]
    public async Task Metrics_OnRedisStore_CountUserCacheHitsAndMisses()
    {
        // Arrange
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync();
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        var before = await ScrapeAsync(server);

        // Act: a user nobody registered is read from PostgreSQL; a registered one is soon answered from memory
        await server.PostAsync("/user/get_users_info", new { userIDs = new[] { "nobody" } }, admin);
        var afterUnknown = await ScrapeAsync(server);
        var afterHit = await Eventually.UntilAsync(async () =>
            {
                (await server.PostAsync("/user/get_users_info", new { userIDs = new[] { "imAdmin" } }, admin)).AssertOk();
                return await ScrapeAsync(server);
            },
            scrape => Delta(afterUnknown, scrape, "openimauth_user_cache_hits_total") >= 1, TimeSpan.FromSeconds(30), "a lookup from memory");

        // Assert
        Assert.Equal(1, Delta(before, afterUnknown, "openimauth_user_cache_misses_total"));
        Assert.Equal(0, Delta(before, afterUnknown, "openimauth_user_cache_hits_total"));
        Assert.True(Delta(afterUnknown, afterHit, "openimauth_user_cache_hits_total") >= 1, afterHit.Text);
    }

    [Fact]
    public async Task Metrics_Disabled_AnswerNotFoundEnvelope()
    {
        // Arrange
        await using var app = new AuthApplication("v3", ("prometheus:enable", "false"));

        // Act
        using var response = await app.CreateClient().GetAsync("/metrics", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal(1001, JsonDocument.Parse(body).RootElement.GetProperty("errCode").GetInt32());
    }

    [Fact]
    public async Task Metrics_WithPortOfItsOwn_ServedThereOnly()
    {
        // Arrange
        var metricsPort = ServerProcess.FreePort();
        await using var server = await StartAsync($"--prometheus.port={metricsPort}");
        var metrics = $"http://127.0.0.1:{metricsPort}";

        // Act
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "imAdmin" })).Token;
        using var onApiPort = await server.Client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        using var routeOnMetricsPort = await server.Client.PostAsync($"{metrics}/auth/parse_token",
            new StringContent(JsonSerializer.Serialize(new { token })), TestContext.Current.CancellationToken);
        var scrape = await MetricsScrape.TakeAsync(metrics);

        // Assert: the API port answers /metrics with the 404 envelope, the metrics port serves nothing else.
        Assert.Equal(404, (int)onApiPort.StatusCode);
        Assert.Contains("\"errCode\":1001", await onApiPort.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(404, (int)routeOnMetricsPort.StatusCode);
        Assert.Equal(1, scrape.Value("openimauth_tokens_issued_total", ("platform", "IOS")));
    }

    private Task<ServerProcess> StartAsync(params string[] args) =>
        ServerProcess.StartOnFreePortsAsync(_directory.FullName,
            [$"--storage.dataDir={Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N"))}", .. args]);

    private static Task<MetricsScrape> ScrapeAsync(ServerProcess server) => MetricsScrape.TakeAsync(server.Client.BaseAddress!.ToString().TrimEnd('/'));

    private static double Delta(MetricsScrape before, MetricsScrape after, string name, params (string, string)[] labels) =>
        after.Value(name, labels) - before.Value(name, labels);

    // The gateway registers and unregisters a connection on its own side of the socket: wait for it.
    private static Task<double> GaugeAsync(ServerProcess server, double expected) =>
        Eventually.UntilAsync(async () => (await ScrapeAsync(server)).Value("openimauth_gateway_connections"),
            live => live == expected, Deadline, $"openimauth_gateway_connections at {expected}");

    public void Dispose() => _directory.Delete(recursive: true);
}
