using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// Real server processes with <c>storage.kind: redis</c> on one Redis database and one PostgreSQL schema of the
/// servers the test command started, each in a working directory of its own.
/// </summary>
public sealed class ScaleOutCluster : IAsyncDisposable
{
    private readonly List<ServerProcess> _servers = [];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-cluster-");

    private ScaleOutCluster(RedisDatabaseLease redis, PostgresSchemaLease postgres)
    {
        Redis = redis;
        Postgres = postgres;
    }

    internal RedisDatabaseLease Redis { get; }

    internal PostgresSchemaLease Postgres { get; }

    public static async Task<ScaleOutCluster> CreateAsync() =>
        new(await TestServers.LeaseRedisDatabaseAsync(), await TestServers.CreatePostgresSchemaAsync());

    /// <summary>Starts one more instance; <paramref name="redisAddress"/> replaces the shared Redis when given.</summary>
    public async Task<ServerProcess> StartInstanceAsync(string? redisAddress = null, params string[] extraArgs)
    {
        var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
        [
            "--storage.kind=redis",
            $"--redis.address={redisAddress ?? TestServers.RedisAddress}",
            $"--redis.db={(redisAddress is null ? Redis.Database : 0)}",
            $"--postgres.connectionString={Postgres.ConnectionString}",
            .. extraArgs,
        ]);
        _servers.Add(server);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
