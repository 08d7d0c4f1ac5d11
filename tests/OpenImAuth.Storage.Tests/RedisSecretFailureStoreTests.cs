using OpenImAuth.Core.Security;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Storage.Tests;

/// <summary>The contract on a real Redis, plus what only a shared store shows: instances count together.</summary>
public class RedisSecretFailureStoreTests : SecretFailureStoreContractTests
{
    /// <summary>The Redis these tests run on: a database of the single server here, the whole cluster in a subclass.</summary>
    private protected virtual Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisDatabaseAsync();

    private RedisDatabaseLease _lease = null!;

    protected override async Task PrepareAsync() => _lease = await LeaseAsync();

    protected override async Task<ISecretFailureStore> CreateStoreAsync(SecretLockoutPolicy policy)
    {
        return new RedisSecretFailureStore(await _lease.ConnectAsync(), policy, Time);
    }

    protected override async Task CleanUpAsync() => await _lease.DisposeAsync();

    [Fact]
    public async Task TwoInstances_CountTogether_AndBothSeeTheLockout()
    {
        // Arrange: a second instance with a connection of its own
        var other = await CreateStoreAsync(Policy);

        // Act: five wrong secrets through each
        await FailAsync("198.51.100.1", 5);
        for (var i = 0; i < 4; i++)
        {
            await other.RecordFailureAsync("198.51.100.1", Ct);
        }
        var tenth = await other.RecordFailureAsync("198.51.100.1", Ct);

        // Assert
        Assert.Equal(10, tenth.Failures);
        Assert.NotNull(tenth.LockedUntil);
        Assert.Equal(tenth.LockedUntil, await Store.LockedUntilAsync("198.51.100.1", Ct));
        Assert.Equal(tenth.LockedUntil, await other.LockedUntilAsync("198.51.100.1", Ct));
    }

    [Fact]
    public async Task Keys_HoldOpenImAuthNames_AndExpireWithWhatTheyHold()
    {
        // Act
        await FailAsync("198.51.100.1", 3);
        await FailAsync("198.51.100.2", 10);

        // Assert: a window lives no longer than the window, a lockout no longer than the lockout; the window that
        // began a lockout is gone.
        var failures = RedisSecretFailureStore.FailuresKey("198.51.100.1");
        Assert.Equal("OPENIMAUTH:SECRET_FAILURES:{198.51.100.1}", (string?)failures);
        Assert.Equal(3, (int)await _lease.Db.HashGetAsync(failures, "n"));
        Assert.InRange((await _lease.Db.KeyTimeToLiveAsync(failures))!.Value, TimeSpan.FromSeconds(1), Policy.Window);
        var lockout = RedisSecretFailureStore.LockoutKey("198.51.100.2");
        Assert.Equal("OPENIMAUTH:SECRET_LOCKOUT:{198.51.100.2}", (string?)lockout);
        Assert.Equal((Time.GetUtcNow() + Policy.Lockout).ToUnixTimeMilliseconds(), (long)await _lease.Db.StringGetAsync(lockout));
        Assert.InRange((await _lease.Db.KeyTimeToLiveAsync(lockout))!.Value, Policy.Window, Policy.Lockout);
        Assert.False(await _lease.Db.KeyExistsAsync(RedisSecretFailureStore.FailuresKey("198.51.100.2")));
    }
}

/// <summary>The same tests on the Redis Cluster that the test command starts (an address's two keys share a slot).</summary>
public sealed class ClusterRedisSecretFailureStoreTests : RedisSecretFailureStoreTests
{
    private protected override Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisClusterAsync();
}
