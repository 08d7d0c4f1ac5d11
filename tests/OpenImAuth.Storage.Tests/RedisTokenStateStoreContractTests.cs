using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The token store contract on the real Redis server that the test command starts, plus OpenIM's exact layout:
/// what a Go OpenIM node reads and writes must mean the same to us. This class runs without the check cache;
/// <see cref="CachedRedisTokenStateStoreContractTests"/> runs every test again with it.
/// </summary>
public class RedisTokenStateStoreContractTests : TokenStateStoreContractTests
{
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);
    private readonly List<ConnectionMultiplexer> _connections = [];
    private RedisDatabaseLease? _lease;

    /// <summary>Whether stores opened here check tokens through a <see cref="RedisTokenCheckCache"/>.</summary>
    protected virtual bool WithCheckCache => false;

    private protected RedisDatabaseLease Lease => _lease!;

    /// <summary>The Redis these tests run on: a database of the single server here, the whole cluster in a subclass.</summary>
    private protected virtual Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisDatabaseAsync();

    protected override async Task<ITokenStateStore> CreateStoreAsync(TimeProvider time)
    {
        _lease = await LeaseAsync();
        return await OpenAsync();
    }

    // A restart is a new instance with a new connection; all state lives in Redis.
    protected override Task<ITokenStateStore> ReopenStoreAsync() => OpenAsync();

    protected override async ValueTask DisposeStoreAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        await _lease!.DisposeAsync();
    }

    [Fact]
    public async Task Apply_WritesOpenImLayout_WithTtlAndInvalidation()
    {
        // Arrange
        // The channel is server-wide, so the user is unique to this test and only its own key counts.
        var ct = TestContext.Current.CancellationToken;
        var user = "layout" + Guid.NewGuid().ToString("N");
        var key = $"UID_PID_TOKEN_STATUS:{user}:Web";
        var normal = Token(user, Platforms.Web, 0);
        var kicked = Token(user, Platforms.Web, 1);
        var invalidations = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _lease!.Subscriber.SubscribeAsync(RedisChannel.Literal("DELETE_CACHE_AUTH"), (_, message) =>
        {
            if (((string)message!).Contains(user, StringComparison.Ordinal))
            {
                invalidations.TrySetResult(message!);
            }
        });

        // Act
        await Store.ApplyAsync(Add(normal), ct);
        await Store.ApplyAsync(new TokenStateChange(user, kicked with { Status = TokenStatus.Normal }, [], []), ct);
        await Store.ApplyAsync(new TokenStateChange(user, null, [kicked], []), ct);

        // Assert: key, field and value exactly as open-im-server writes them
        var hash = await _lease.Db.HashGetAllAsync(key);
        Assert.Equal([(normal.Token, "0"), (kicked.Token, "2")], hash.Select(e => ((string)e.Name!, (string)e.Value!)).OrderBy(e => e.Item2));
        var ttl = await _lease.Db.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, KeyLifetime - TimeSpan.FromMinutes(1), KeyLifetime);
        Assert.Equal($"[\"{key}\"]", await invalidations.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }

    [Fact]
    public async Task Ttl_CoversTheLongestLivedTokenOfAHash_ThroughShorterLoginsAndKicks()
    {
        // Arrange: tokens may live longer than the store's key lifetime (a lifetime asked for per request)
        var ct = TestContext.Current.CancellationToken;
        var user = "ttl" + Guid.NewGuid().ToString("N");
        var web = $"UID_PID_TOKEN_STATUS:{user}:Web";
        var ios = $"UID_PID_TOKEN_STATUS:{user}:IOS";
        var longLived = Token(user, Platforms.Web, 0, TimeSpan.FromDays(200));

        // Act
        await Store.ApplyAsync(Add(longLived), ct);
        await Store.ApplyAsync(Add(Token(user, Platforms.Web, 1, TimeSpan.FromSeconds(60))), ct);
        await Store.ApplyAsync(Add(Token(user, Platforms.Ios, 1, TimeSpan.FromSeconds(60))), ct);
        var afterShortLogin = await _lease!.Db.KeyTimeToLiveAsync(web);
        await Store.KickPlatformAsync(user, Platforms.Web, ct);
        var afterKick = await _lease.Db.KeyTimeToLiveAsync(web);

        // Assert: a shorter token's write and a kick leave the long one's state in place (OpenIM's bug #2399), and a
        // hash of a short-lived token alone goes with it
        var longest = TimeSpan.FromDays(200) - TimeSpan.FromMinutes(1);
        Assert.InRange(afterShortLogin!.Value, longest, TimeSpan.FromDays(200));
        Assert.InRange(afterKick!.Value, longest, TimeSpan.FromDays(200));
        Assert.InRange((await _lease.Db.KeyTimeToLiveAsync(ios))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Apply_AnnouncesKeysOfAnyUserId_AsAJsonArrayOfTheirExactNames()
    {
        // Arrange: a user ID with characters JSON escapes or may escape (a quote, a slash, a backslash, non-ASCII)
        var ct = TestContext.Current.CancellationToken;
        var user = "we\"ird/\\ü-" + Guid.NewGuid().ToString("N");
        var key = $"UID_PID_TOKEN_STATUS:{user}:Web";
        var invalidations = new TaskCompletionSource<List<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _lease!.Subscriber.SubscribeAsync(RedisChannel.Literal("DELETE_CACHE_AUTH"), (_, message) =>
        {
            var keys = System.Text.Json.JsonSerializer.Deserialize((string)message!, RedisJson.Default.ListString)!;
            if (keys.Any(k => k.Contains(user[^32..], StringComparison.Ordinal)))
            {
                invalidations.TrySetResult(keys);
            }
        });

        // Act
        await Store.ApplyAsync(Add(Token(user, Platforms.Web, 0)), ct);

        // Assert
        Assert.Equal([key], await invalidations.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(1, await _lease.Db.HashLengthAsync(key));
    }

    [Fact]
    public async Task GetStatus_HonoursStateWrittenByGoNode()
    {
        // Arrange: a Go OpenIM node writes a token of its own straight into the hash, then announces the key on
        // DELETE_CACHE_AUTH as OpenIM v3.8+ does.
        var ct = TestContext.Current.CancellationToken;
        const string Key = "UID_PID_TOKEN_STATUS:u9:Android";
        var fromGo = Token("u9", Platforms.Android, 5);
        await _lease!.Db.HashSetAsync(Key, fromGo.Token, "0");

        // Act
        var status = await Store.GetStatusAsync("u9", Platforms.Android, fromGo.Token, ct);
        await _lease.Db.HashSetAsync(Key, fromGo.Token, "2");
        await _lease.Subscriber.PublishAsync(RedisKeys.DeleteCacheAuth, $"[\"{Key}\"]");
        // Without the cache the very next read sees it; with it, the announcement must arrive first (as between
        // Go nodes), which this instance cannot be told about: poll.
        var kicked = WithCheckCache
            ? await Eventually.UntilAsync(() => Store.GetStatusAsync("u9", Platforms.Android, fromGo.Token, ct).AsTask(),
                s => s == TokenStatus.Kicked, TimeSpan.FromSeconds(10), "the Go node's kick")
            : await Store.GetStatusAsync("u9", Platforms.Android, fromGo.Token, ct);
        var listed = await Store.GetUserTokensAsync("u9", ct);

        // Assert
        Assert.Equal(TokenStatus.Normal, status);
        Assert.Equal(TokenStatus.Kicked, kicked);
        Assert.Equal([fromGo with { Status = TokenStatus.Kicked }], listed);
    }

    [Fact]
    public async Task GetUserTokens_ReadsAllElevenHashes_OrderedByIssuanceThenToken()
    {
        // Arrange: tokens on the last platform and two issued in the same second, whose ordinal order (Admin's
        // payload says PlatformID 10, Android's 2) is not platform order; plus an entry a Go node wrote that is no
        // JWT and has no integer status
        var ct = TestContext.Current.CancellationToken;
        var harmony = Token("u1", Platforms.HarmonyOS, 50);
        var android = Token("u1", Platforms.Android, 100);
        var admin = Token("u1", Platforms.Admin, 100);
        await Store.ApplyAsync(Add(android), ct);
        await Store.ApplyAsync(Add(harmony), ct);
        await Store.ApplyAsync(Add(admin), ct);
        await _lease!.Db.HashSetAsync("UID_PID_TOKEN_STATUS:u1:IOS", "not-a-jwt", "x");

        // Act
        var tokens = await Store.GetUserTokensAsync("u1", ct);

        // Assert: the rubbish reads as long expired with an unknown status
        Assert.True(string.CompareOrdinal(admin.Token, android.Token) < 0);
        Assert.Equal([new StoredToken("not-a-jwt", "u1", Platforms.Ios, TokenStatus.Invalid, 0, 0), harmony, admin, android], tokens);
    }

    [Fact]
    public async Task Apply_RefusesStaleBasis_WhenAnotherWriterChangedTheUser()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = Token("u1", Platforms.Ios, 0);
        await Store.ApplyAsync(Add(first), ct);
        var basis = await Store.GetUserTokensAsync("u1", ct);
        await _lease!.Db.HashSetAsync("UID_PID_TOKEN_STATUS:u1:IOS", first.Token, "2"); // another node kicks it

        var applied = await Store.ApplyAsync(new TokenStateChange("u1", Token("u1", Platforms.Ios, 1), [], [], basis), ct);

        Assert.False(applied);
        Assert.Equal(1, await _lease.Db.HashLengthAsync("UID_PID_TOKEN_STATUS:u1:IOS"));
    }

    private async Task<ITokenStateStore> OpenAsync() => (await OpenInstanceAsync()).Store;

    /// <summary>Another instance on the same database, with a connection of its own.</summary>
    protected async Task<(RedisTokenStateStore Store, RedisTokenCheckCache? Cache)> OpenInstanceAsync()
    {
        var connection = await _lease!.ConnectAsync();
        _connections.Add(connection);
        var cache = WithCheckCache ? await RedisTokenCheckCache.StartAsync(connection, TimeProvider.System, 1000) : null;
        if (cache is not null)
        {
            // As the server wires it: OpenIM's announcements reach the cache through the revocation bus.
            await RedisRevocationBus.SubscribeAsync(connection, cache);
        }
        // On the cluster, as the server opens it there: single-slot steps, each write acknowledged by a replica.
        return (new RedisTokenStateStore(connection, KeyLifetime, cache,
            clusterReplicaWait: _lease.IsCluster ? TimeSpan.FromSeconds(2) : null), cache);
    }
}

/// <summary>
/// The same contract and layout on the Redis Cluster that the test command starts: OpenIM's 11 hashes of a user fall
/// in different slots, so every change there is applied hash by hash (docs/decisions.md, D18).
/// </summary>
public sealed class ClusterRedisTokenStateStoreContractTests : RedisTokenStateStoreContractTests
{
    private protected override Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisClusterAsync();

    [Fact]
    public async Task Apply_FailsInsteadOfAnswering_WhenNoReplicaAcknowledgesTheWrite()
    {
        // Arrange: the replica of the master that holds the user's iOS hash stops (SIGSTOP) while it still counts as
        // connected; a store that waits 300 ms for it.
        var ct = TestContext.Current.CancellationToken;
        var connection = await Lease.ConnectAsync();
        var store = new RedisTokenStateStore(connection, TimeSpan.FromDays(1), clusterReplicaWait: TimeSpan.FromMilliseconds(300));
        var key = RedisKeys.TokenHash("u1", Platforms.Ios);
        var master = Lease.Db.IdentifyEndpoint(key)!;
        var replica = Lease.Admin.GetServer(master).ClusterConfiguration![master]!.Children.Single().EndPoint!;
        var pid = (await Lease.Admin.GetServer(replica).InfoRawAsync("server"))!.Split('\n')
            .Select(line => line.Trim()).Single(line => line.StartsWith("process_id:", StringComparison.Ordinal))["process_id:".Length..];
        await SignalAsync("-STOP", pid, ct);
        try
        {
            // Act + Assert: the token is not answered as issued (D12: a success answer means durable state).
            await Assert.ThrowsAsync<RedisTimeoutException>(() => store.ApplyAsync(Add(Token("u1", Platforms.Ios, 0)), ct));
        }
        finally
        {
            await SignalAsync("-CONT", pid, ct);
            // Later tests need the replica acknowledging again.
            await Eventually.UntilAsync(async () => (long)await Lease.Admin.GetServer(master).ExecuteAsync("WAIT", 1, 100),
                acknowledged => acknowledged >= 1, TimeSpan.FromSeconds(30), "the replica acknowledging again");
            await connection.DisposeAsync();
        }
    }

    private static async Task SignalAsync(string signal, string pid, CancellationToken ct)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [signal, pid]);
        await kill.WaitForExitAsync(ct);
        Assert.Equal(0, kill.ExitCode);
    }
}
