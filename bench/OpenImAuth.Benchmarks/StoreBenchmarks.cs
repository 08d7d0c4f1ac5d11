using BenchmarkDotNet.Attributes;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Storage.Sqlite;
using StackExchange.Redis;

namespace OpenImAuth.Benchmarks;

/// <summary>
/// Token store operations: the status read of every authenticated request and the durable write of every login.
/// The Redis cases need BENCH_REDIS_ADDRESS (bench/load.sh sets it); without it they measure nothing and say so.
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly TokenCodec _codec = new("openIM123");
    private DirectoryInfo _directory = null!;
    private SqliteDatabase _database = null!;
    private SqliteTokenStateStore _sqlite = null!;
    private ConnectionMultiplexer? _redisConnection;
    private RedisTokenStateStore? _redis;
    private StoredToken _stored = null!;
    private int _next;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("openimauth-bench-");
        _database = await SqliteDatabase.OpenAsync(_directory.FullName, CancellationToken.None);
        _sqlite = await SqliteTokenStateStore.OpenAsync(_database, TimeProvider.System, CancellationToken.None);
        _stored = NewToken(0);
        await _sqlite.ApplyAsync(new TokenStateChange(_stored.UserId, _stored, [], []), CancellationToken.None);
        if (Environment.GetEnvironmentVariable("BENCH_REDIS_ADDRESS") is { Length: > 0 } address)
        {
            _redisConnection = await ConnectionMultiplexer.ConnectAsync(address);
            _redis = new RedisTokenStateStore(_redisConnection, TimeSpan.FromDays(90));
            await _redis.ApplyAsync(new TokenStateChange(_stored.UserId, _stored, [], []), CancellationToken.None);
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _database.DisposeAsync();
        if (_redisConnection is not null)
        {
            await _redisConnection.DisposeAsync();
        }
        _directory.Delete(recursive: true);
    }

    [Benchmark(Baseline = true)]
    public ValueTask<int?> SqliteStatusRead() => _sqlite.GetStatusAsync(_stored.UserId, _stored.PlatformId, _stored.Token, CancellationToken.None);

    /// <summary>One durable login alone: bounded by one fsync.</summary>
    [Benchmark]
    public Task<bool> SqliteDurableWrite()
    {
        var token = NewToken(++_next);
        return _sqlite.ApplyAsync(new TokenStateChange(token.UserId, token, [], []), CancellationToken.None);
    }

    /// <summary>64 concurrent logins: group commit puts them in one transaction and one fsync.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public Task SqliteDurableWrites64Concurrent() =>
        Task.WhenAll(Enumerable.Range(0, 64).Select(_ =>
        {
            var token = NewToken(Interlocked.Increment(ref _next));
            return _sqlite.ApplyAsync(new TokenStateChange(token.UserId, token, [], []), CancellationToken.None);
        }));

    [Benchmark]
    public async Task<int?> RedisStatusRead() =>
        _redis is null ? null : await _redis.GetStatusAsync(_stored.UserId, _stored.PlatformId, _stored.Token, CancellationToken.None);

    private StoredToken NewToken(int n)
    {
        var userId = "bench-user-" + n;
        var token = _codec.Sign(userId, Platforms.Web, Now.AddSeconds(n % 1000), TimeSpan.FromDays(3650), TokenFormat.WithNotBefore);
        return new StoredToken(token, userId, Platforms.Web, TokenStatus.Normal, Now.ToUnixTimeSeconds(), Now.AddDays(3650).ToUnixTimeSeconds());
    }
}
