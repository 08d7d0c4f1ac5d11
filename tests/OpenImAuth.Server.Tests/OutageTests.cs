using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// A store that goes away: requests get a clear 500 envelope naming it (no hang, no crash), and the same server
/// process serves again by itself once the store is back, with no revocation forgotten.
/// </summary>
public sealed class OutageTests
{
    private const string Secret = "openIM123";
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RedisOutage_AnswersStoreError_ThenRecoversWithRevocationsKept()
    {
        // Arrange: tokens issued and one kicked, on a Redis that we can stop.
        await using var redis = await RedisProcess.StartAsync();
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync(redis.Address);
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "carol", nickname = "C" } } })).AssertOk();
        var kicked = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "carol" })).Token;
        var valid = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = "carol" })).Token;
        (await server.PostAsync("/auth/force_logout", new { platformID = 1, userID = "carol" }, admin)).AssertOk();

        // Act: Redis dies mid-run.
        await redis.KillAsync();
        var duringParse = await server.PostAsync("/auth/parse_token", new { token = valid });
        var duringIssue = await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 3, userID = "carol" });

        // Assert: a clear envelope that names the store.
        duringParse.AssertError(500);
        Assert.Contains("store unavailable: redis", duringParse.Text, StringComparison.Ordinal);
        duringIssue.AssertError(500);

        // Act: Redis comes back; the same process recovers by itself.
        await redis.RestartAsync();
        var after = await Eventually.UntilAsync(() => server.PostAsync("/auth/parse_token", new { token = valid }),
            answer => answer.ErrCode != 500, Recovery, "recovery after Redis restarted");

        // Assert: nothing forgotten.
        after.AssertOk();
        (await server.PostAsync("/auth/parse_token", new { token = kicked })).AssertError(1506);
        (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 3, userID = "carol" })).AssertOk();
    }

    [Fact]
    public async Task RedisDownAtStartUp_ServerStartsAndServesOnceRedisArrives()
    {
        // Arrange: a Redis that is not running yet, holding a revocation mark of imAdmin's a minute ahead (written
        // directly, so that no announcement tells the instance of it: it must read the marks itself).
        await using var redis = await RedisProcess.StartAsync();
        await using (var direct = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var ahead = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();
            await direct.GetDatabase().HashSetAsync("OPENIMAUTH:REVOCATION_MARKS", "0:imAdmin", ahead);
        }
        await redis.KillAsync();
        await using var cluster = await ScaleOutCluster.CreateAsync();

        // Act: the instance starts anyway (abortConnect=false) and answers a clear envelope meanwhile.
        var server = await cluster.StartInstanceAsync(redis.Address);
        var during = await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" });
        await redis.RestartAsync();
        var after = await Eventually.UntilAsync(() => server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" }),
            answer => answer.ErrCode != 500, Recovery, "service once Redis is up");

        // Assert
        during.AssertError(500);
        Assert.Equal("""{"errCode":500,"errMsg":"ServerInternalError","errDlt":"store unavailable: redis: [500]ServerInternalError"}""", during.Text);
        after.AssertOk();
        (await server.PostAsync("/auth/parse_token", new { token = after.Token })).AssertError(1506); // the mark of before start-up
    }

    [Fact]
    public async Task PostgresOutage_AnswersStoreError_ThenRecovers()
    {
        // Arrange: a database of its own, so that refusing its connections disturbs no other test.
        var database = "outage_" + Guid.NewGuid().ToString("N");
        await TestServers.ExecuteAsync($"CREATE DATABASE {database}");
        try
        {
            await using var cluster = await ScaleOutCluster.CreateAsync();
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.PostgresConnection) { Database = database }.ConnectionString;
            var server = await cluster.StartInstanceAsync(null, $"--postgres.connectionString={connection}");
            (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "dave", nickname = "D" } } })).AssertOk();
            var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "dave" })).Token;

            // Act: PostgreSQL stops serving this database.
            await TestServers.ExecuteAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
            await TestServers.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            // (dave may be answered from memory, docs/decisions.md D16; a user it has never read is not.)
            var during = await server.PostAsync("/user/get_users_info", new { userIDs = new[] { "dave", "nobody" } }, token);
            var issueUnseenUser = await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "erin" });
            var tokensStillChecked = await server.PostAsync("/auth/parse_token", new { token });

            // Assert: users are unavailable with a clear envelope, also when issuance asks whether a user it has not
            // seen yet is registered; token checks (Redis) go on.
            during.AssertError(500);
            Assert.Contains("store unavailable: postgres", during.Text, StringComparison.Ordinal);
            issueUnseenUser.AssertError(500);
            Assert.Contains("store unavailable: postgres", issueUnseenUser.Text, StringComparison.Ordinal);
            tokensStillChecked.AssertOk();

            // Act + Assert: it comes back, and so does the server, by itself.
            await TestServers.ExecuteAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
            // (Asking about a user never read, which only PostgreSQL can answer: in the v3 profile, 1004 once it does.)
            var after = await Eventually.UntilAsync(() => server.PostAsync("/user/get_users_info", new { userIDs = new[] { "dave", "nobody" } }, token),
                answer => answer.ErrCode != 500, Recovery, "recovery after PostgreSQL allowed connections again");
            after.AssertError(1004);
        }
        finally
        {
            await TestServers.ExecuteAsync($"DROP DATABASE {database} WITH (FORCE)");
        }
    }
}
