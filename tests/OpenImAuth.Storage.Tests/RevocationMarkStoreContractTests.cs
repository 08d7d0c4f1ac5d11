using OpenImAuth.Core.Revocation;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Storage.Sqlite;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>What every <see cref="IRevocationMarkStore"/> must do; each backend's class supplies the store.</summary>
public abstract class RevocationMarkStoreContractTests : StoreContractTests<IRevocationMarkStore>
{
    private readonly List<RevocationMark> _announced = [];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Store.Changed += mark =>
        {
            lock (_announced)
            {
                _announced.Add(mark);
            }
        };
    }

    [Fact]
    public async Task Raise_OnlyMovesForward_PerScope()
    {
        // Act
        var first = await Store.RaiseAsync("u1", 0, 2_000, Ct);
        var earlier = await Store.RaiseAsync("u1", 0, 1_000, Ct);
        var later = await Store.RaiseAsync("u1", 0, 3_000, Ct);
        var platform = await Store.RaiseAsync("u1", 5, 500, Ct);
        var app = await Store.RaiseAsync("", 0, 700, Ct);

        // Assert
        Assert.Equal(new RevocationMark("u1", 0, 2_000), first);
        Assert.Equal(new RevocationMark("u1", 0, 2_000), earlier);
        Assert.Equal(new RevocationMark("u1", 0, 3_000), later);
        Assert.Equal(new RevocationMark("u1", 5, 500), platform);
        Assert.Equal(new RevocationMark("", 0, 700), app);
        var all = await (await ReopenStoreAsync()).ReadAllAsync(Ct);
        Assert.Equal([new RevocationMark("", 0, 700), new RevocationMark("u1", 0, 3_000), new RevocationMark("u1", 5, 500)],
            all.OrderBy(m => m.UserId, StringComparer.Ordinal).ThenBy(m => m.PlatformId));
    }

    [Fact]
    public async Task Clear_RemovesOneScopesMark_AndSaysWhetherThereWasOne()
    {
        await Store.RaiseAsync("u2", 0, 2_000, Ct);
        await Store.RaiseAsync("u2", 3, 2_000, Ct);

        Assert.True(await Store.ClearAsync("u2", 0, Ct));
        Assert.False(await Store.ClearAsync("u2", 0, Ct));
        Assert.False(await Store.ClearAsync("", 0, Ct));

        Assert.Equal([new RevocationMark("u2", 3, 2_000)], await (await ReopenStoreAsync()).ReadAllAsync(Ct));
    }

    [Fact]
    public async Task EveryChange_IsAnnounced_InOrder_AndAMarkThatDidNotMoveIsNot()
    {
        // Arrange: a mark of a userID with a colon and a newline, which the announcement must carry whole.
        const string user = "a:b\nc";

        // Act
        await Store.RaiseAsync(user, 2, 1_000, Ct);
        await Store.RaiseAsync(user, 2, 500, Ct); // no change
        await Store.RaiseAsync(user, 2, 4_000, Ct);
        await Store.ClearAsync(user, 2, Ct);

        // Assert: announcements may arrive after the call answers (over pub/sub), in order.
        RevocationMark[] expected = [new(user, 2, 1_000), new(user, 2, 4_000), new(user, 2, 0)];
        await Eventually.UntilAsync(() => Task.FromResult(Announced()), seen => seen.Length >= 3, TimeSpan.FromSeconds(10), "three announcements");
        Assert.Equal(expected, Announced());
    }

    private RevocationMark[] Announced()
    {
        lock (_announced)
        {
            return [.. _announced];
        }
    }
}

public sealed class SqliteRevocationMarkStoreContractTests : RevocationMarkStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<IRevocationMarkStore> CreateStoreAsync() => new SqliteRevocationMarkStore(await _database.OpenAsync());

    protected override Task<IRevocationMarkStore> ReopenStoreAsync() => CreateStoreAsync();

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();
}

public class RedisRevocationMarkStoreContractTests : RevocationMarkStoreContractTests
{
    /// <summary>The Redis these tests run on: a database of the single server here, the whole cluster in a subclass.</summary>
    private protected virtual Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisDatabaseAsync();

    private RedisDatabaseLease? _lease;

    protected override async Task<IRevocationMarkStore> CreateStoreAsync()
    {
        _lease = await LeaseAsync();
        return await ReopenStoreAsync();
    }

    protected override async Task<IRevocationMarkStore> ReopenStoreAsync()
    {
        var connection = await _lease!.ConnectAsync();
        return await RedisRevocationMarkStore.SubscribeAsync(connection);
    }

    protected override ValueTask DisposeStoreAsync() => _lease?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>The same contract on the Redis Cluster that the test command starts (the marks announced over its pub/sub).</summary>
public sealed class ClusterRedisRevocationMarkStoreContractTests : RedisRevocationMarkStoreContractTests
{
    private protected override Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisClusterAsync();
}
