using System.Diagnostics;
using Npgsql;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// A store that hangs rather than dies (its process stopped, its sockets open): every request that needs it answers
/// a clear 500 envelope within the configured timeout, however many wait at once, and the same process serves again
/// once the store goes on.
/// </summary>
public sealed class FrozenStoreTests
{
    private const string Secret = "openIM123";
    private const int TimeoutMs = 500;

    // Requests at once, one wave after another while the store stays hung (about 3.5 s, past the four timeouts after
    // which StackExchange.Redis drops the connection): the later ones meet a client that has already given up on
    // earlier requests (timed-out commands outstanding, a connection dropped, broken pool connections).
    private const int Waves = 6;

    // "Does not hang": the timeout plus a generous margin for a loaded 2-core machine, well below the 3.6-7.6 s seen
    // when queued requests waited for a shared read that was itself waiting for the driver's fixed 3 s.
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FrozenRedis_EveryRequestAnswersStoreTimeoutInTime_ThenServesAgain()
    {
        // Arrange: a private Redis we can stop, tokens issued while it runs.
        await using var redis = await RedisProcess.StartAsync();
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync(redis.Address, $"--redis.timeoutMs={TimeoutMs}");
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        var others = Enumerable.Range(0, 5).Select(i => $"other{i}").ToArray();
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = others.Append("carol").Select(id => new { userID = id, nickname = "N" }) })).AssertOk();
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "carol" })).Token;
        (await server.PostAsync("/auth/parse_token", new { token })).AssertOk();

        // Act + Assert: Redis hangs; token checks (which share one sequence read), logins of several users (which
        // share one script) and of one user (which also wait for each other) and the other Redis routes arrive at
        // once, in waves while it stays hung.
        // Each one answers a clear store error, none much past the timeout.
        await redis.FreezeAsync();
        for (var wave = 0; wave < Waves; wave++)
        {
            var requests = new List<Task<(ApiAnswer Answer, TimeSpan Took)>>();
            for (var i = 0; i < 12; i++)
            {
                requests.Add(TimedAsync(() => server.PostAsync("/auth/parse_token", new { token })));
            }
            for (var i = 0; i < 12; i++)
            {
                var platform = 2 + i % 8;
                requests.Add(TimedAsync(() => server.PostAsync("/auth/user_token", new { secret = Secret, platformID = platform, userID = "carol" })));
            }
            foreach (var other in others)
            {
                requests.Add(TimedAsync(() => server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = other })));
            }
            requests.Add(TimedAsync(() => server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })));
            requests.Add(TimedAsync(() => server.PostAsync("/auth/force_logout", new { platformID = 1, userID = "carol" }, admin)));
            requests.Add(TimedAsync(() => server.PostAsync("/user/get_users_online_status", new { userIDs = new[] { "carol" } }, admin)));
            // StackExchange.Redis drops a connection that has answered nothing for four timeouts and connects again;
            // until that succeeds, requests answer at once that Redis is unavailable, with no timeout to name.
            string[] errDlts = wave == 0 ? [TimedOut("redis")] : [TimedOut("redis"), "store unavailable: redis"];
            AssertAllAnswered(await Task.WhenAll(requests), errDlts);
        }

        // Act + Assert: Redis goes on; the same process serves again, with the token still good.
        await redis.ThawAsync();
        var after = await Eventually.UntilAsync(() => server.PostAsync("/auth/parse_token", new { token }),
            answer => answer.ErrCode != 500, Recovery, "service after Redis was thawed");
        after.AssertOk();
        (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = "carol" })).AssertOk();
    }

    [Fact]
    public async Task FrozenPostgres_EveryRequestAnswersStoreTimeoutInTime_ThenServesAgain()
    {
        // Arrange: the instance reaches PostgreSQL through a relay that can hang like a stopped server.
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var postgres = new NpgsqlConnectionStringBuilder(cluster.Postgres.ConnectionString);
        await using var relay = FreezableRelay.Start(postgres.Host!, postgres.Port);
        postgres.Host = "127.0.0.1";
        postgres.Port = relay.Port;
        var server = await cluster.StartInstanceAsync(null, $"--postgres.connectionString={postgres}", $"--postgres.timeoutMs={TimeoutMs}");
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "dave", nickname = "D" } } })).AssertOk();
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "dave" })).Token;

        // Act + Assert: PostgreSQL hangs; registrations, lookups (logins of users not seen yet share one query),
        // listings and updates arrive at once, in waves while it stays hung. Each one answers a clear store error,
        // none much past the timeout.
        relay.Freeze();
        for (var wave = 0; wave < Waves; wave++)
        {
            var requests = new List<Task<(ApiAnswer Answer, TimeSpan Took)>>();
            for (var i = 0; i < 4; i++)
            {
                var userId = $"new{wave}_{i}";
                requests.Add(TimedAsync(() => server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = userId, nickname = "N" } } })));
            }
            for (var i = 0; i < 6; i++)
            {
                var userId = $"unseen{wave}_{i}";
                requests.Add(TimedAsync(() => server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = userId })));
            }
            // Lookups name a user never read as well: dave may be answered from memory (docs/decisions.md, D16).
            for (var i = 0; i < 3; i++)
            {
                var userId = $"unread{wave}_{i}";
                requests.Add(TimedAsync(() => server.PostAsync("/user/get_users_info", new { userIDs = new[] { "dave", userId } }, token)));
            }
            requests.Add(TimedAsync(() => server.PostAsync("/user/account_check", new { checkUserIDs = new[] { "dave", $"unread{wave}" } }, admin)));
            requests.Add(TimedAsync(() => server.PostAsync("/user/get_users", new { pagination = new { pageNumber = 1, showNumber = 10 } }, admin)));
            requests.Add(TimedAsync(() => server.PostAsync("/user/get_all_users_uid", new { pagination = new { pageNumber = 1, showNumber = 10 } }, admin)));
            requests.Add(TimedAsync(() => server.PostAsync("/user/update_user_info", new { userInfo = new { userID = "dave", nickname = "D2" } }, token)));
            AssertAllAnswered(await Task.WhenAll(requests), TimedOut("postgres"));
        }

        // Act + Assert: PostgreSQL goes on; the same process serves again.
        // (A lookup of a user in memory would answer before PostgreSQL does: ask about one never read.)
        relay.Thaw();
        var after = await Eventually.UntilAsync(() => server.PostAsync("/user/account_check", new { checkUserIDs = new[] { "dave", "unread" } }, admin),
            answer => answer.ErrCode != 500, Recovery, "service after PostgreSQL was thawed");
        after.AssertOk();
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "frank", nickname = "F" } } })).AssertOk();
    }

    private static async Task<(ApiAnswer Answer, TimeSpan Took)> TimedAsync(Func<Task<ApiAnswer>> request)
    {
        var started = Stopwatch.GetTimestamp();
        var answer = await request();
        return (answer, Stopwatch.GetElapsedTime(started));
    }

    private static string TimedOut(string store) => $"store unavailable: {store}: timed out after {TimeoutMs} ms";

    /// <summary>Each answer a 500 envelope with one of <paramref name="errDlts"/>, each within the bound.</summary>
    private static void AssertAllAnswered((ApiAnswer Answer, TimeSpan Took)[] answers, params string[] errDlts)
    {
        Assert.True(answers.Length >= 17, "enough requests at once to queue behind each other");
        var expected = errDlts.Select(errDlt => $$"""{"errCode":500,"errMsg":"ServerInternalError","errDlt":"{{errDlt}}: [500]ServerInternalError"}""").ToList();
        // Every answer in the message, so that a failure shows how long each took and what it said.
        var all = string.Join("\n", answers.Select(a => $"{a.Took.TotalMilliseconds:F0} ms: {a.Answer.Text}"));
        foreach (var (answer, took) in answers)
        {
            Assert.True(expected.Contains(answer.Text) && took < AnswerBound, $"expected one of {string.Join(" or ", expected)} within {AnswerBound}; got:\n{all}");
        }
    }
}
