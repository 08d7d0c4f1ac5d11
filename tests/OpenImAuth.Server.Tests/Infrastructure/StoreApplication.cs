using System.Globalization;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// An in-memory host (<see cref="AuthApplication"/>, with its fake clock) on the store named: the embedded SQLite
/// store, or Redis and PostgreSQL of the servers the test command started, on a database and schema of its own.
/// </summary>
public sealed class StoreApplication : IAsyncDisposable
{
    public static TheoryData<string> Stores => new("sqlite", "redis");

    private readonly RedisDatabaseLease? _redis;
    private readonly PostgresSchemaLease? _postgres;

    private StoreApplication(AuthApplication app, RedisDatabaseLease? redis, PostgresSchemaLease? postgres)
    {
        App = app;
        _redis = redis;
        _postgres = postgres;
    }

    public AuthApplication App { get; }

    public static async Task<StoreApplication> StartAsync(string store, params (string Key, string Value)[] settings)
    {
        if (store == "sqlite")
        {
            return new StoreApplication(new AuthApplication("v3", settings), null, null);
        }
        var redis = await TestServers.LeaseRedisDatabaseAsync();
        var postgres = await TestServers.CreatePostgresSchemaAsync();
        return new StoreApplication(new AuthApplication("v3",
        [
            ("storage:kind", "redis"),
            ("redis:address", TestServers.RedisAddress),
            ("redis:db", redis.Database.ToString(CultureInfo.InvariantCulture)),
            ("postgres:connectionString", postgres.ConnectionString),
            .. settings,
        ]), redis, postgres);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
