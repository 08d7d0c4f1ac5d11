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

    public static string RedisServerBinary => Required("TEST_REDIS_SERVER");

    public static string PostgresConnection => Required("TEST_POSTGRES_CONNECTION");

    /// <summary>A Redis database of the shared server that no other running test uses, emptied before and after.</summary>
    public static async Task<RedisDatabaseLease> LeaseRedisDatabaseAsync()
    {
        if (!FreeRedisDatabases.TryDequeue(out var database))
        {
            throw new InvalidOperationException("all 63 test Redis databases are in use");
        }
        var lease = new RedisDatabaseLease(database, await ConnectAsync(database));
        await lease.FlushAsync();
        return lease;
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

internal sealed class RedisDatabaseLease(int database, ConnectionMultiplexer admin) : IAsyncDisposable
{
    public int Database => database;

    public IDatabase Db => admin.GetDatabase(database);

    public ISubscriber Subscriber => admin.GetSubscriber();

    public Task FlushAsync() => admin.GetServer(admin.GetEndPoints()[0]).FlushDatabaseAsync(database);

    public async ValueTask DisposeAsync()
    {
        await FlushAsync();
        await admin.DisposeAsync();
        TestServers.Release(database);
    }
}

internal sealed class PostgresSchemaLease(string schema, string connectionString) : IAsyncDisposable
{
    public string ConnectionString => connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await TestServers.ExecuteAsync($"DROP SCHEMA {schema} CASCADE");
    }
}
