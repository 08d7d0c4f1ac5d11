using OpenImAuth.Core.Presence;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Storage.Sqlite;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>What every <see cref="IStatusSubscriptionStore"/> must do; each backend's class supplies the store.</summary>
public abstract class StatusSubscriptionStoreContractTests : StoreContractTests<IStatusSubscriptionStore>
{

    [Fact]
    public async Task Subscribe_KeepsOldestFirst_IgnoresRepeats_AndSurvivesAReopen()
    {
        // Act: a target subscribed again keeps its place; another user's list is its own.
        await Store.SubscribeAsync("alice", ["u1", "u2"], Ct);
        await Store.SubscribeAsync("alice", ["u3", "u1"], Ct);
        await Store.SubscribeAsync("bob", ["u9"], Ct);
        var reopened = await ReopenStoreAsync();

        // Assert
        Assert.Equal(["u1", "u2", "u3"], await reopened.ListAsync("alice", Ct));
        Assert.Equal(["u9"], await reopened.ListAsync("bob", Ct));
        Assert.Empty(await reopened.ListAsync("carol", Ct));
    }

    [Fact]
    public async Task Unsubscribe_RemovesOnlyThoseTargets_AndIgnoresOnesNeverSubscribed()
    {
        // Arrange
        await Store.SubscribeAsync("alice", ["u1", "u2", "u3"], Ct);

        // Act
        await Store.UnsubscribeAsync("alice", ["u2", "nobody"], Ct);

        // Assert
        Assert.Equal(["u1", "u3"], await Store.ListAsync("alice", Ct));
    }

    [Fact]
    public async Task PastTheLimit_TheOldestMakeRoom()
    {
        // Arrange: a full list.
        var full = Enumerable.Range(0, IStatusSubscriptionStore.MaxPerUser).Select(i => $"t{i}").ToList();
        await Store.SubscribeAsync("alice", full, Ct);

        // Act: two more.
        await Store.SubscribeAsync("alice", ["new1", "new2"], Ct);
        var list = await Store.ListAsync("alice", Ct);

        // Assert
        Assert.Equal(IStatusSubscriptionStore.MaxPerUser, list.Count);
        Assert.Equal("t2", list[0]);
        Assert.Equal(["new1", "new2"], list.TakeLast(2));
    }
}

public sealed class SqliteStatusSubscriptionStoreContractTests : StatusSubscriptionStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<IStatusSubscriptionStore> CreateStoreAsync() => new SqliteStatusSubscriptionStore(await _database.OpenAsync());

    protected override Task<IStatusSubscriptionStore> ReopenStoreAsync() => CreateStoreAsync();

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();
}

public class RedisStatusSubscriptionStoreContractTests : StatusSubscriptionStoreContractTests
{
    /// <summary>The Redis these tests run on: a database of the single server here, the whole cluster in a subclass.</summary>
    private protected virtual Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisDatabaseAsync();

    private RedisDatabaseLease? _lease;

    protected override async Task<IStatusSubscriptionStore> CreateStoreAsync()
    {
        _lease = await LeaseAsync();
        return await ReopenStoreAsync();
    }

    protected override async Task<IStatusSubscriptionStore> ReopenStoreAsync()
    {
        var connection = await _lease!.ConnectAsync();
        return new RedisStatusSubscriptionStore(connection);
    }

    protected override ValueTask DisposeStoreAsync() => _lease?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>The same contract on the Redis Cluster that the test command starts.</summary>
public sealed class ClusterRedisStatusSubscriptionStoreContractTests : RedisStatusSubscriptionStoreContractTests
{
    private protected override Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisClusterAsync();
}
