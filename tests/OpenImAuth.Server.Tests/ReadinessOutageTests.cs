using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;
using static OpenImAuth.Server.Tests.HealthTests;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// GET /readyz of a scaled-out server whose Redis or PostgreSQL stops answering after start-up: 503 naming the store,
/// within a second, while /healthz stays 200; ready again by itself once the store is back.
/// </summary>
public sealed class ReadinessOutageTests
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Readiness_Answers503NamingRedis_WhileRedisIsFrozenOrGone_ThenRecovers()
    {
        // Arrange
        await using var redis = await RedisProcess.StartAsync();
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync(redis.Address);
        Assert.Equal((200, Ready), await GetAsync(server.Client, "/readyz"));

        // Act: Redis hangs, its connections open and nothing answered.
        await redis.FreezeAsync();
        var (frozen, elapsed) = await TimedGetAsync(server.Client, "/readyz");
        var live = await GetAsync(server.Client, "/healthz");

        // Assert
        Assert.Equal((503, """{"status":"unavailable","down":{"redis":"timed out after 800 ms"}}"""), frozen);
        Assert.True(elapsed < Answered, $"readiness took {elapsed}");
        Assert.Equal(200, live.Status);

        // Act + Assert: it answers again, and the server is ready by itself.
        await redis.ThawAsync();
        await Eventually.UntilAsync(() => GetAsync(server.Client, "/readyz"), answer => answer == (200, Ready), Recovery,
            "readiness after Redis was thawed");

        // Act: Redis is gone, its connections closed.
        await redis.KillAsync();
        var gone = await Eventually.UntilAsync(() => GetAsync(server.Client, "/readyz"),
            answer => answer.Body.Contains("not connected", StringComparison.Ordinal), Recovery, "readiness naming the lost connection");

        // Assert: a short reason, without the address.
        Assert.Equal(503, gone.Status);
        Assert.StartsWith("""{"status":"unavailable","down":{"redis":"not connected (""", gone.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), gone.Body, StringComparison.Ordinal);
        await redis.RestartAsync();
        await Eventually.UntilAsync(() => GetAsync(server.Client, "/readyz"), answer => answer == (200, Ready), Recovery,
            "readiness after Redis restarted");
    }

    [Fact]
    public async Task Readiness_Answers503NamingPostgres_WhileItRefusesConnections_ThenRecovers()
    {
        // Arrange: a database of its own, so that refusing its connections disturbs no other test.
        var database = "ready_" + Guid.NewGuid().ToString("N");
        await TestServers.ExecuteAsync($"CREATE DATABASE {database}");
        try
        {
            await using var cluster = await ScaleOutCluster.CreateAsync();
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.PostgresConnection) { Database = database }.ConnectionString;
            var server = await cluster.StartInstanceAsync(null, $"--postgres.connectionString={connection}");
            Assert.Equal((200, Ready), await GetAsync(server.Client, "/readyz"));

            // Act: PostgreSQL stops serving this database and drops the server's connections.
            await TestServers.ExecuteAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
            await TestServers.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            var ((status, body), elapsed) = await TimedGetAsync(server.Client, "/readyz");
            var live = await GetAsync(server.Client, "/healthz");

            // Assert: postgres alone is down (Redis serves), with a reason.
            Assert.Equal(503, status);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("unavailable", json.RootElement.GetProperty("status").GetString());
            var down = Assert.Single(json.RootElement.GetProperty("down").EnumerateObject());
            Assert.Equal("postgres", down.Name);
            Assert.NotEmpty(down.Value.GetString()!);
            Assert.True(elapsed < Answered, $"readiness took {elapsed}");
            Assert.Equal(200, live.Status);

            // Act + Assert: it serves again, and the server is ready by itself.
            await TestServers.ExecuteAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
            await Eventually.UntilAsync(() => GetAsync(server.Client, "/readyz"), answer => answer == (200, Ready), Recovery,
                "readiness after PostgreSQL allowed connections again");
        }
        finally
        {
            await TestServers.ExecuteAsync($"DROP DATABASE {database} WITH (FORCE)");
        }
    }
}
