using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// Real server processes with <c>storage.kind: redis</c> on one Redis database (or the Redis Cluster) and one
/// PostgreSQL schema of the servers the test command started, each in a working directory of its own.
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

    /// <summary>The Redis each instance may be put on: a database of the single server, or the Redis Cluster.</summary>
    public static TheoryData<string> RedisKinds => new("single", "cluster");

    /// <summary>Instances on a database of the single Redis, or on the Redis Cluster when <paramref name="redis"/> says "cluster".</summary>
    public static async Task<ScaleOutCluster> CreateAsync(string redis = "single") =>
        new(redis == "cluster" ? await TestServers.LeaseRedisClusterAsync() : await TestServers.LeaseRedisDatabaseAsync(),
            await TestServers.CreatePostgresSchemaAsync());

    /// <summary>Starts one more instance; <paramref name="redisAddress"/> replaces the shared Redis when given.</summary>
    public async Task<ServerProcess> StartInstanceAsync(string? redisAddress = null, params string[] extraArgs)
    {
        string[] redis = redisAddress is not null ? [$"--redis.address={redisAddress}", "--redis.db=0"]
            : Redis.IsCluster ? ["--redis.clusterMode=true", .. Redis.Address.Split(',').Select((node, i) => $"--redis.address.{i}={node}")]
            : [$"--redis.address={Redis.Address}", $"--redis.db={Redis.Database}"];
        var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
        [
            "--storage.kind=redis",
            .. redis,
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
