using System.Collections.Concurrent;
using Npgsql;
using StackExchange.Redis;

namespace OpenImAuth.Tests.Shared;

/// <summary>
/// The Redis and PostgreSQL servers that scripts/test.sh starts on loopback. A missing server is a failure, never a
/// skip: the message says how to run the suite so that they exist.
/// </summary>
internal static class TestServers
{
    // Both test assemblies run at once against the one server, so each takes databases of its own: a database shared
    // between them was flushed by one while the other's test used it (a login then found its user's tokens gone).
    private static readonly ConcurrentQueue<int> FreeRedisDatabases = new(Enumerable.Range(
        typeof(TestServers).Assembly.GetName().Name == "OpenImAuth.Server.Tests" ? 64 : 1, 63));

    public static string RedisAddress => Required("TEST_REDIS_ADDRESS");

    /// <summary>The seed nodes of the Redis Cluster (three masters, three replicas) that the test command starts.</summary>
    public static string RedisClusterAddresses => Required("TEST_REDIS_CLUSTER");

    public static string RedisServerBinary => Required("TEST_REDIS_SERVER");

    public static string PostgresConnection => Required("TEST_POSTGRES_CONNECTION");

    /// <summary>A Redis database of the shared server that no other running test uses, emptied before and after.</summary>
    public static async Task<RedisDatabaseLease> LeaseRedisDatabaseAsync()
    {
        if (!FreeRedisDatabases.TryDequeue(out var database))
        {
            throw new InvalidOperationException("all 63 test Redis databases are in use");
        }
        var lease = new RedisDatabaseLease(database, await ConnectAsync(database), clusterLock: null);
        await lease.FlushAsync();
        return lease;
    }

    /// <summary>
    /// The whole Redis Cluster, emptied before and after. A cluster has database 0 only, so its users take turns:
    /// one lease at a time across both test assemblies (which run at once), held by an exclusive lock on a file.
    /// </summary>
    public static async Task<RedisDatabaseLease> LeaseRedisClusterAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"openimauth-test-cluster-{RedisClusterAddresses.Split(',')[0].Replace(':', '-')}.lock");
        var clusterLock = await Eventually.UntilAsync(() => Task.FromResult(TryLock(path)), held => held is not null,
            TimeSpan.FromMinutes(10), "the test Redis Cluster's lock");
        var admin = await ConnectClusterAsync();
        var lease = new RedisDatabaseLease(0, admin, clusterLock);
        await lease.FlushAsync();
        return lease;

        // On Linux, FileShare.None is an exclusive flock: another process, or another open in this one, is refused.
        static FileStream? TryLock(string path)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    public static async Task<ConnectionMultiplexer> ConnectClusterAsync()
    {
        var options = ConfigurationOptions.Parse(RedisClusterAddresses);
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    public static async Task<ConnectionMultiplexer> ConnectAsync(int database)
    {
        var options = ConfigurationOptions.Parse(RedisAddress);
        options.DefaultDatabase = database;
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>A fresh PostgreSQL schema; the returned connection string puts it first on the search path.</summary>
    public static async Task<PostgresSchemaLease> CreatePostgresSchemaAsync()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE SCHEMA {schema}");
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnection) { SearchPath = schema };
        return new PostgresSchemaLease(schema, builder.ConnectionString);
    }

    internal static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    internal static void Release(int database) => FreeRedisDatabases.Enqueue(database);

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with ./scripts/test.sh, which starts Redis and PostgreSQL");
}

/// <summary>
/// A database of the single Redis, or the whole cluster (<paramref name="clusterLock"/> held). Disposing closes every
/// connection opened through <see cref="ConnectAsync"/>, then empties the database and frees it.
/// </summary>
internal sealed class RedisDatabaseLease(int database, ConnectionMultiplexer admin, FileStream? clusterLock) : IAsyncDisposable
{
    private readonly List<ConnectionMultiplexer> _connections = [];

    public int Database => database;

    public bool IsCluster => clusterLock is not null;

    /// <summary>What a server's <c>redis.address</c> is set to for this lease.</summary>
    public string Address => IsCluster ? TestServers.RedisClusterAddresses : TestServers.RedisAddress;

    public IDatabase Db => admin.GetDatabase(database);

    public ISubscriber Subscriber => admin.GetSubscriber();

    public ConnectionMultiplexer Admin => admin;

    /// <summary>A new connection to the leased database or cluster, as an instance of ours would open.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var connection = IsCluster ? await TestServers.ConnectClusterAsync() : await TestServers.ConnectAsync(database);
        lock (_connections)
        {
            _connections.Add(connection);
        }
        return connection;
    }

    public Task FlushAsync() => IsCluster
        ? Task.WhenAll(admin.GetServers().Where(server => server.IsConnected && !server.IsReplica).Select(server => server.FlushDatabaseAsync()))
        : admin.GetServer(admin.GetEndPoints()[0]).FlushDatabaseAsync(database);

    public async ValueTask DisposeAsync()
    {
        // Disposing a connection twice is harmless, so a test may also close one itself (an instance that stops).
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        await FlushAsync();
        await admin.DisposeAsync();
        if (clusterLock is not null)
        {
            await clusterLock.DisposeAsync();
        }
        else
        {
            TestServers.Release(database);
        }
    }
}

/// <summary>A schema of its own on the test PostgreSQL; disposing closes the stores opened through it and drops it.</summary>
internal sealed class PostgresSchemaLease(string schema, string connectionString) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _opened = [];

    public string ConnectionString => connectionString;

    /// <summary>
    /// A store opened on this schema by <paramref name="open"/> (connection string, query timeout), as an instance's
    /// start-up opens it. The timeout is far above any answer of a healthy server on a busy machine: the tests check
    /// the contract, not the bound.
    /// </summary>
    public async Task<TStore> OpenAsync<TStore>(Func<string, TimeSpan, CancellationToken, Task<TStore>> open)
        where TStore : IAsyncDisposable
    {
        var store = await open(connectionString, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        lock (_opened)
        {
            _opened.Add(store);
        }
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await TestServers.ExecuteAsync($"DROP SCHEMA {schema} CASCADE");
    }
}
