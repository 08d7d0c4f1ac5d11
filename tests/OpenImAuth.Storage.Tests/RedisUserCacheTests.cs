using System.Collections.Concurrent;
using Npgsql;
using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The user cache of the Redis store across instances (docs/decisions.md, D16): two instances, each with its own
/// connection, memory and PostgreSQL pool, on one Redis database and one schema; and a Go node that changes a user the
/// way OpenIM does (PostgreSQL, then its cache keys deleted and announced on DELETE_CACHE_USER).
/// </summary>
public sealed class RedisUserCacheTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly List<IAsyncDisposable> _opened = [];
    private PostgresSchemaLease _schema = null!;
    private RedisDatabaseLease _redis = null!;

    public async ValueTask InitializeAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        _redis = await TestServers.LeaseRedisDatabaseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_opened))
        {
            await resource.DisposeAsync();
        }
        await _redis.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task AChangeThroughOneInstance_IsSeenByTheNextReadOfAnother()
    {
        // Arrange: B remembers alice
        var alice = Unique("alice");
        await RegisterDirectlyAsync(User(alice, "before"));
        var (a, _) = await OpenInstanceAsync();
        var (b, cacheOfB) = await OpenInstanceAsync();
        Assert.Equal("before", (await b.FindAsync(alice, Ct))!.Nickname);
        Assert.Equal(1, cacheOfB.Count);

        // Act: no wait between the change through A and the reads through B
        Assert.True(await a.UpdateAsync(alice, new UserUpdate("after", null, null, 1), Ct));
        var one = await b.FindAsync(alice, Ct);
        var many = await b.FindManyAsync([alice, "nobody", alice], Ct);

        // Assert
        Assert.Equal("after", one!.Nickname);
        Assert.Equal(1, one.GlobalRecvMsgOpt);
        Assert.Equal([one], many);
    }

    [Fact]
    public async Task AGoNodesChange_IsSeenOnceItsAnnouncementArrives()
    {
        // Arrange: the instance remembers bob
        var bob = Unique("bob");
        await RegisterDirectlyAsync(User(bob, "before"));
        var (store, _) = await OpenInstanceAsync();
        Assert.Equal("before", (await store.FindAsync(bob, Ct))!.Nickname);

        // Act 1: a Go node updates PostgreSQL; its announcement has not come yet
        await ExecuteAsync($"UPDATE users SET nickname = 'after' WHERE user_id = '{bob}'");
        var beforeAnnouncement = await store.FindAsync(bob, Ct);

        // Act 2: it deletes its cache key and announces it, as OpenIM's user service does
        await _redis.Db.KeyDeleteAsync($"USER_INFO:{bob}");
        await _redis.Subscriber.PublishAsync(RedisChannel.Literal("DELETE_CACHE_USER"), $"[\"USER_INFO:{bob}\"]");

        // Assert: memory answered until the announcement (so it is in use), and the change once it arrived
        Assert.Equal("before", beforeAnnouncement!.Nickname);
        await Eventually.UntilAsync(() => store.FindAsync(bob, Ct), user => user!.Nickname == "after",
            TimeSpan.FromSeconds(10), "the Go node's change");
    }

    [Fact]
    public async Task EveryChange_DeletesOpenImsCacheKeys_AndAnnouncesThemOnItsTopic()
    {
        // Arrange: rockscache entries of OpenIM's for both users, and an ear on its topic
        var (store, _) = await OpenInstanceAsync();
        var (carol, dave) = (Unique("carol"), Unique("dave"));
        var heard = new ConcurrentQueue<string>();
        var allHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = await TestServers.ConnectAsync(_redis.Database);
        _opened.Add(listener);
        await listener.GetSubscriber().SubscribeAsync(RedisChannel.Literal("DELETE_CACHE_USER"), (_, message) =>
        {
            // The topic is server-wide: keep only what names this test's users.
            if (((string)message!).Contains(carol, StringComparison.Ordinal) || ((string)message!).Contains(dave, StringComparison.Ordinal))
            {
                heard.Enqueue(message!);
                if (heard.Count == 3)
                {
                    allHeard.TrySetResult();
                }
            }
        });
        await FillOpenImKeysAsync(carol, dave);

        // Act: a registration, an update, an update of an unknown user (no change) and another update
        Assert.Null(await store.RegisterAsync([User(carol, "c"), User(dave, "d")], Ct));
        var keysAfterRegister = await OpenImKeysLeftAsync(carol, dave);
        await FillOpenImKeysAsync(carol);
        Assert.True(await store.UpdateAsync(carol, new UserUpdate("c2", null, null, null), Ct));
        var keysAfterUpdate = await OpenImKeysLeftAsync(carol);
        Assert.False(await store.UpdateAsync(Unique("nobody"), new UserUpdate("x", null, null, null), Ct));
        await FillOpenImKeysAsync(dave);
        Assert.True(await store.UpdateAsync(dave, new UserUpdate(null, null, null, 2), Ct));
        await allHeard.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // Assert: the keys are gone after each change, and each change was announced with OpenIM's key names
        Assert.Equal(0, keysAfterRegister);
        Assert.Equal(0, keysAfterUpdate);
        Assert.Equal(0, await OpenImKeysLeftAsync(dave));
        Assert.Equal(
            [$"[\"USER_INFO:{carol}\",\"USER_GLOBAL_RECV_MSG_OPT_KEY:{carol}\",\"USER_INFO:{dave}\",\"USER_GLOBAL_RECV_MSG_OPT_KEY:{dave}\"]",
             $"[\"USER_INFO:{carol}\",\"USER_GLOBAL_RECV_MSG_OPT_KEY:{carol}\"]",
             $"[\"USER_INFO:{dave}\",\"USER_GLOBAL_RECV_MSG_OPT_KEY:{dave}\"]"],
            heard);
    }

    [Fact]
    public async Task ASubscriptionOutage_DropsWhatIsRemembered()
    {
        // Arrange: the instance remembers erin, on a connection of its own that the test can cut
        var name = "usercache-" + Guid.NewGuid().ToString("N");
        var erin = Unique("erin");
        await RegisterDirectlyAsync(User(erin, "before"));
        var (store, cache) = await OpenInstanceAsync(name);
        Assert.Equal("before", (await store.FindAsync(erin, Ct))!.Nickname);
        Assert.Equal(1, cache.Count);

        // Act: its subscription is cut, and a change is made whose announcement it cannot hear (nor anyone: none is sent)
        await KillSubscriptionAsync(name);
        await ExecuteAsync($"UPDATE users SET nickname = 'after' WHERE user_id = '{erin}'");

        // Assert: once subscribed again (the multiplexer reconnects by itself) it answers from PostgreSQL
        await Eventually.UntilAsync(() => store.FindAsync(erin, Ct), user => user!.Nickname == "after",
            TimeSpan.FromSeconds(20), "the change made while the subscription was down");
    }

    [Fact]
    public async Task WithoutMemory_ReadsPostgreSql_AndStillAnnouncesChanges()
    {
        var (store, cache) = await OpenInstanceAsync(capacity: 0);
        var frank = Unique("frank");
        await FillOpenImKeysAsync(frank);
        Assert.Null(await store.RegisterAsync([User(frank, "f")], Ct));

        Assert.Equal("f", (await store.FindAsync(frank, Ct))!.Nickname);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, await OpenImKeysLeftAsync(frank));
        Assert.Equal(1, (long)await _redis.Db.StringGetAsync("OPENIMAUTH:USER_SEQ"));
    }

    private async Task<(IUserStore Store, RedisUserCache Cache)> OpenInstanceAsync(string? clientName = null, int capacity = 1000)
    {
        var users = await PostgresUserStore.OpenAsync(_schema.ConnectionString, TimeSpan.FromSeconds(30), Ct);
        _opened.Add(users);
        var options = ConfigurationOptions.Parse(TestServers.RedisAddress);
        options.DefaultDatabase = _redis.Database;
        options.ClientName = clientName;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        _opened.Add(connection);
        var cache = await RedisUserCache.StartAsync(connection, TimeProvider.System, capacity);
        return (new CachedUserStore(users, cache), cache);
    }

    /// <summary>Closes the subscription connection of the client named <paramref name="name"/>, and only that one.</summary>
    private async Task KillSubscriptionAsync(string name)
    {
        var server = _redis.Db.Multiplexer.GetServer(_redis.Db.Multiplexer.GetEndPoints()[0]);
        var ours = Assert.Single(await server.ClientListAsync(), c => c.Name == name && c.ClientType == ClientType.PubSub);
        await server.ExecuteAsync("CLIENT", "KILL", "ID", ours.Id);
    }

    private async Task FillOpenImKeysAsync(params string[] userIds)
    {
        foreach (var userId in userIds)
        {
            // rockscache's layout: a hash whose value field holds the JSON OpenIM cached
            await _redis.Db.HashSetAsync($"USER_INFO:{userId}", [new HashEntry("value", "{\"userID\":\"" + userId + "\"}")]);
            await _redis.Db.HashSetAsync($"USER_GLOBAL_RECV_MSG_OPT_KEY:{userId}", [new HashEntry("value", "0")]);
        }
    }

    private async Task<long> OpenImKeysLeftAsync(params string[] userIds)
    {
        var left = 0L;
        foreach (var userId in userIds)
        {
            left += await _redis.Db.KeyExistsAsync([$"USER_INFO:{userId}", $"USER_GLOBAL_RECV_MSG_OPT_KEY:{userId}"]);
        }
        return left;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static UserRecord User(string userId, string nickname) => new(userId, nickname, "", "", 1, 0, 1_700_000_000_000);

    /// <summary>
    /// Registers through PostgreSQL alone, before the test: DELETE_CACHE_USER is server-wide and a registration
    /// announces on it too, so an instance could hear one after its first read and forget what the test needs it to hold.
    /// </summary>
    private async Task RegisterDirectlyAsync(params UserRecord[] users)
    {
        var plain = await PostgresUserStore.OpenAsync(_schema.ConnectionString, TimeSpan.FromSeconds(30), Ct);
        _opened.Add(plain);
        Assert.Null(await plain.RegisterAsync(users, Ct));
    }

    // Unique per test: other tests announce on the same server-wide topic, and ours must not name their users.
    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}";
}
