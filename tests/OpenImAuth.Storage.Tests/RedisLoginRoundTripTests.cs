using OpenImAuth.Core;
using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// A login on Redis plans from what this instance last wrote for the user, so it makes one round trip; when another
/// instance changed the user's tokens meanwhile, the rejected apply brings them back and the login makes two.
/// </summary>
public sealed class RedisLoginRoundTripTests : IAsyncLifetime
{
    private static readonly AuthOptions Options = new("secret", 90, MultiLoginPolicy.AllLoginButSameTermKick, 10, [], CompatProfile.V3);

    // Two instances, A and B, on one database, each with a connection of its own, and one clock.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private static readonly AsyncLocal<(ConnectionMultiplexer? Connection, ProfilingSession? Session)> Profiled = new();
    private RedisDatabaseLease? _lease;
    private ConnectionMultiplexer? _connectionOfA;
    private ConnectionMultiplexer? _connectionOfB;
    private TokenService? _a;
    private TokenService? _b;

    public async ValueTask InitializeAsync()
    {
        _lease = await TestServers.LeaseRedisDatabaseAsync();
        _connectionOfA = await TestServers.ConnectAsync(_lease.Database);
        _connectionOfB = await TestServers.ConnectAsync(_lease.Database);
        CountCommandsOf(_connectionOfA);
        CountCommandsOf(_connectionOfB);
        _a = Instance(_connectionOfA, _time);
        _b = Instance(_connectionOfB, _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _connectionOfA!.DisposeAsync();
        await _connectionOfB!.DisposeAsync();
        await _lease!.DisposeAsync();
    }

    [Fact]
    public async Task Login_MakesOneRoundTrip_WhenThisInstanceWroteTheUserLast_AndTwoAfterAnotherWroteItsPlatform()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var (a, b, connectionOfA, connectionOfB, time, lease) = (_a!, _b!, _connectionOfA!, _connectionOfB!, _time, _lease!);
        var user = "trips-" + Guid.NewGuid().ToString("N");
        await a.IssueAsync("warm-" + user, Platforms.Web, ct); // the script is loaded; later calls are one operation each

        // Act: A logs in on the web twice; B on Android, then A on the web; B on the web, then A on the web
        var first = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var (onAndroidByB, _) = await RoundTripsAsync(connectionOfB, () => b.IssueAsync(user, Platforms.Android, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var third = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var (onWebByB, _) = await RoundTripsAsync(connectionOfB, () => b.IssueAsync(user, Platforms.Web, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var fourth = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));

        // Assert: a user unknown here is guessed to have no tokens, rightly; the next login plans from A's own write.
        // Under policy 1 a web login depends on the web hash alone, so B's Android login left A's memory good enough
        // for it; B's web login made A's next one stale, and the rejected apply carried what A needed to plan again.
        Assert.Equal((1, 1, 1, 2), (first.Trips, second.Trips, third.Trips, fourth.Trips));
        var stored = await lease.Db.HashGetAllAsync(RedisKeys.TokenHash(user, Platforms.Web));
        Assert.Equal(
            new[] { (first.Token, "2"), (second.Token, "2"), (third.Token, "2"), (onWebByB, "2"), (fourth.Token, "0") }
                .OrderBy(e => e.Item1, StringComparer.Ordinal),
            stored.Select(e => ((string)e.Name!, (string)e.Value!)).OrderBy(e => e.Item1, StringComparer.Ordinal));
        Assert.Equal("0", (string?)await lease.Db.HashGetAsync(RedisKeys.TokenHash(user, Platforms.Android), onAndroidByB));
    }

    [Fact]
    public async Task RepeatLogin_InTheSameSecond_GetsATokenOfItsOwn_AndLeavesTheNextLoginOneRoundTrip()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var (a, connectionOfA) = (_a!, _connectionOfA!);
        var user = "again-" + Guid.NewGuid().ToString("N");
        await a.IssueAsync("warm-" + user, Platforms.Web, ct);

        // Act: the second login's plain token would be the very same bytes as the first's, so it carries a token ID
        // (docs/decisions.md, D13)
        var first = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        var again = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        _time.Advance(TimeSpan.FromSeconds(1));
        var later = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));

        // Assert: what A remembers after the repeat (a token kept as text beside a compact one) is what Redis holds
        Assert.NotEqual(first.Token, again.Token);
        Assert.Equal((1, 1, 1), (first.Trips, again.Trips, later.Trips));
    }

    [Fact]
    public async Task Login_MakesTwoRoundTrips_OnlyWhenTheUsersTokensNoLongerFitInTheInstancesMemory()
    {
        // Arrange: A remembers the default number of tokens; C, on the same connection, only 64 (one per stripe)
        var ct = TestContext.Current.CancellationToken;
        var (a, connectionOfA) = (_a!, _connectionOfA!);
        var c = Instance(connectionOfA, _time, hintedTokens: 64);
        var run = Guid.NewGuid().ToString("N");
        await a.IssueAsync("warm-" + run, Platforms.Web, ct);
        await a.IssueAsync($"remembered-{run}", Platforms.Web, ct);
        await c.IssueAsync($"forgotten-{run}", Platforms.Web, ct);

        // Act: a thousand other users log in through each, then the two users again
        await Task.WhenAll(Enumerable.Range(0, 1000).SelectMany(i => new[]
        {
            a.IssueAsync($"other-a-{run}-{i}", Platforms.Web, ct), c.IssueAsync($"other-c-{run}-{i}", Platforms.Web, ct),
        }));
        _time.Advance(TimeSpan.FromSeconds(1));
        var remembered = await RoundTripsAsync(connectionOfA, () => a.IssueAsync($"remembered-{run}", Platforms.Web, ct));
        var forgotten = await RoundTripsAsync(connectionOfA, () => c.IssueAsync($"forgotten-{run}", Platforms.Web, ct));

        // Assert: C's memory could keep none of them (each user evicts the last one of its stripe), so its guess of
        // no tokens was rejected and answered with the user's tokens; A still planned from its own last write
        Assert.Equal((1, 2), (remembered.Trips, forgotten.Trips));
    }

    [Theory]
    [InlineData(Platforms.Web)]
    [InlineData(Platforms.Android)]
    public async Task ALoginOnAKeyThatIsNoHash_FailsAlone_WhileTheOthersOfItsScriptAreAppliedAndAnnounced(int brokenPlatform)
    {
        // Arrange: one user's key holds a string, which no OpenIM node writes. Where that is not the web key, which
        // the login checks, another writer gave the user a web token, so the login finds its guess stale and reads
        // every hash of the user
        var ct = TestContext.Current.CancellationToken;
        var (a, lease) = (_a!, _lease!);
        var broken = "broken-" + Guid.NewGuid().ToString("N");
        await lease.Db.StringSetAsync(RedisKeys.TokenHash(broken, brokenPlatform), "not a hash");
        if (brokenPlatform != Platforms.Web)
        {
            await lease.Db.HashSetAsync(RedisKeys.TokenHash(broken, Platforms.Web), "written-elsewhere", "0");
        }
        var users = Enumerable.Range(0, 10).Select(i => $"beside-{Guid.NewGuid():N}-{i}").ToList();
        var sequenced = await _connectionOfA!.GetSubscriber().SubscribeAsync(RedisKeys.TokensChanged(lease.Database));

        // Act: the broken login among the others, all at once, so that it shares a script with some of them
        var logins = users.Take(5).Append(broken).Concat(users.Skip(5))
            .Select(user => (User: user, Login: a.IssueAsync(user, Platforms.Web, ct))).ToList();
        var failure = await Record.ExceptionAsync(() => logins.Single(l => l.User == broken).Login);
        var issued = await Task.WhenAll(logins.Where(l => l.User != broken).Select(l => l.Login));
        await _connectionOfA.GetSubscriber().PublishAsync(RedisKeys.TokensChanged(lease.Database), "end");
        var sequencedKeys = (await MessagesUntilAsync(sequenced, "end")).SelectMany(m => m.Split('\n').Skip(1)).ToHashSet();

        // Assert: only the broken login failed, its key untouched; every other token is stored and announced
        Assert.Contains("WRONGTYPE", Assert.IsType<InvalidOperationException>(failure).Message);
        Assert.Equal("not a hash", (string?)await lease.Db.StringGetAsync(RedisKeys.TokenHash(broken, brokenPlatform)));
        for (var i = 0; i < users.Count; i++)
        {
            Assert.Equal("0", (string?)await lease.Db.HashGetAsync(RedisKeys.TokenHash(users[i], Platforms.Web), issued[i]));
            Assert.Contains((string)RedisKeys.TokenHash(users[i], Platforms.Web)!, sequencedKeys);
        }
    }

    [Fact]
    public async Task ALogin_Succeeds_WhenAKeyItsPlanDoesNotDependOnIsNoHash()
    {
        // Arrange: the user's Android key holds a string; the login is on the web, under policy 1
        var ct = TestContext.Current.CancellationToken;
        var (a, lease) = (_a!, _lease!);
        var user = "odd-" + Guid.NewGuid().ToString("N");
        await lease.Db.StringSetAsync(RedisKeys.TokenHash(user, Platforms.Android), "not a hash");

        // Act
        var token = await a.IssueAsync(user, Platforms.Web, ct);

        // Assert: the web token is stored; the odd key is left as it was
        Assert.Equal("0", (string?)await lease.Db.HashGetAsync(RedisKeys.TokenHash(user, Platforms.Web), token));
        Assert.Equal("not a hash", (string?)await lease.Db.StringGetAsync(RedisKeys.TokenHash(user, Platforms.Android)));
    }

    [Fact]
    public async Task ConcurrentLogins_ShareScripts_AndEachKicksExactlyItsOwnPredecessor_EvenWhereAnotherInstanceWrote()
    {
        // Arrange: 40 users logged in on the web through A; then B logs every fourth of them in on the web too, so
        // A's memory of those is stale
        var ct = TestContext.Current.CancellationToken;
        var (a, b, connectionOfA, time, lease) = (_a!, _b!, _connectionOfA!, _time, _lease!);
        var users = Enumerable.Range(0, 40).Select(i => $"batch-{Guid.NewGuid():N}-{i}").ToList();
        var first = new Dictionary<string, string>();
        foreach (var user in users)
        {
            first[user] = await a.IssueAsync(user, Platforms.Web, ct);
        }
        var byB = new Dictionary<string, string>();
        time.Advance(TimeSpan.FromSeconds(1)); // else B would sign the very bytes of A's first tokens
        foreach (var user in users.Where((_, i) => i % 4 == 0))
        {
            byB[user] = await b.IssueAsync(user, Platforms.Web, ct);
        }
        var subscriber = connectionOfA.GetSubscriber();
        var revocations = await subscriber.SubscribeAsync(RedisKeys.Revoked);
        var sequenced = await subscriber.SubscribeAsync(RedisKeys.TokensChanged(lease.Database));
        var invalidations = await subscriber.SubscribeAsync(RedisKeys.DeleteCacheAuth);
        time.Advance(TimeSpan.FromSeconds(1));

        // Act, then an end marker on each channel, published after the scripts on the same connection
        var (second, scripts) = await CommandsSentAsync(connectionOfA, () => Task.WhenAll(users.Select(user => a.IssueAsync(user, Platforms.Web, ct))));
        var revokedEnd = RedisRevocationBus.Message([EndMarker]);
        var invalidatedEnd = $"[\"{EndMarker.UserId}-{Guid.NewGuid():N}\"]";
        await subscriber.PublishAsync(RedisKeys.Revoked, revokedEnd);
        await subscriber.PublishAsync(RedisKeys.TokensChanged(lease.Database), "end");
        await subscriber.PublishAsync(RedisKeys.DeleteCacheAuth, invalidatedEnd);
        var revoked = (await MessagesUntilAsync(revocations, revokedEnd))
            .SelectMany(m => System.Text.Json.JsonSerializer.Deserialize(m, RedisJson.Default.ListRevokedTokenMessage)!)
            .Where(t => first.ContainsKey(t.UserId)).Select(t => t.Token).ToList();
        var sequencedKeys = (await MessagesUntilAsync(sequenced, "end")).SelectMany(m => m.Split('\n').Skip(1)).ToList();
        var invalidatedKeys = (await MessagesUntilAsync(invalidations, invalidatedEnd))
            .SelectMany(m => System.Text.Json.JsonSerializer.Deserialize(m, RedisJson.Default.ListString)!).ToHashSet();

        // Assert: fewer scripts than logins; every user's web hash holds its first token kicked (and B's, where B
        // logged in) and its second normal; each login kicked its real predecessor, announced exactly once, and each
        // changed key was announced once with a sequence number and on OpenIM's channel, whichever script it went in
        Assert.InRange(scripts, 1, users.Count / 2);
        for (var i = 0; i < users.Count; i++)
        {
            var web = await lease.Db.HashGetAllAsync(RedisKeys.TokenHash(users[i], Platforms.Web));
            var expected = new[] { (first[users[i]], "2"), (second[i], "0") }
                .Concat(byB.TryGetValue(users[i], out var ofB) ? [(ofB, "2")] : []);
            Assert.Equal(
                expected.OrderBy(e => e.Item1, StringComparer.Ordinal),
                web.Select(e => ((string)e.Name!, (string)e.Value!)).OrderBy(e => e.Item1, StringComparer.Ordinal));
        }
        var predecessors = users.Select(user => byB.TryGetValue(user, out var ofB) ? ofB : first[user]);
        Assert.Equal(predecessors.Order(StringComparer.Ordinal), revoked.Order(StringComparer.Ordinal));
        var webKeys = users.Select(user => (string)RedisKeys.TokenHash(user, Platforms.Web)!).ToList();
        Assert.Equal(webKeys.Order(StringComparer.Ordinal), sequencedKeys.Order(StringComparer.Ordinal));
        Assert.Subset(invalidatedKeys, webKeys.ToHashSet());
    }

    private static readonly StoredToken EndMarker = new("end", "batch-end", Platforms.Web, TokenStatus.Kicked, 1, 2);

    /// <summary>The messages that <paramref name="queue"/> receives before <paramref name="end"/>, in order.</summary>
    private static async Task<List<string>> MessagesUntilAsync(ChannelMessageQueue queue, string end)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var heard = new List<string>();
        while ((string)(await queue.ReadAsync(timeout.Token)).Message! is var message && message != end)
        {
            heard.Add(message);
        }
        await queue.UnsubscribeAsync();
        return heard;
    }

    private static TokenService Instance(
        ConnectionMultiplexer connection, TimeProvider time, int hintedTokens = RedisTokenStateStore.DefaultHintedTokens) =>
        new(Options, new RedisTokenStateStore(connection, TimeSpan.FromDays(90), announceKicks: true, hintedTokens: hintedTokens), time,
            new LocalRevocationBus());

    /// <summary>
    /// What the logins answered and the commands they sent on <paramref name="connection"/>. Counted by a profiling
    /// session that flows with the logins' own calls, not by the connection's operation count: the multiplexer's
    /// background work (heartbeats, its own subscriptions) counts there too, and once landed in a measured login
    /// under the load of the whole test run.
    /// </summary>
    private static async Task<(string Token, long Trips)> RoundTripsAsync(ConnectionMultiplexer connection, Func<Task<string>> login) =>
        await CommandsSentAsync(connection, login);

    private static async Task<(T Result, long Trips)> CommandsSentAsync<T>(ConnectionMultiplexer connection, Func<Task<T>> login)
    {
        var session = new ProfilingSession();
        Profiled.Value = (connection, session);
        try
        {
            var result = await login();
            return (result, session.FinishProfiling().Count());
        }
        finally
        {
            Profiled.Value = default;
        }
    }

    private static void CountCommandsOf(ConnectionMultiplexer connection) =>
        connection.RegisterProfiler(() => Profiled.Value.Connection == connection ? Profiled.Value.Session : null);
}
