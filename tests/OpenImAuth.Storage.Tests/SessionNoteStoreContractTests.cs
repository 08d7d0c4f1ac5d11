using OpenImAuth.Core.Revocation;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Storage.Sqlite;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>What every <see cref="ISessionNoteStore"/> must do; each backend's class supplies the store.</summary>
public abstract class SessionNoteStoreContractTests : StoreContractTests<ISessionNoteStore>
{

    [Fact]
    public async Task Write_KeepsTheLaterUse_AndARevocationStays()
    {
        // Arrange: two instances' batches for one token, the later use written first; and a revocation.
        await Store.WriteAsync([new SessionNote("alice", "t1", 2_000, "10.0.0.2", Revoked: false)], Ct);
        await Store.WriteAsync([new SessionNote("alice", "t1", 1_000, "10.0.0.1", Revoked: false)], Ct);
        await Store.WriteAsync([new SessionNote("alice", "t2", 0, "", Revoked: true)], Ct);

        // Act: a later use of the revoked token.
        await Store.WriteAsync([new SessionNote("alice", "t2", 3_000, "10.0.0.3", Revoked: false)], Ct);
        var notes = await Store.ReadAsync("alice", Ct);

        // Assert
        Assert.Equal(new SessionNote("alice", "t1", 2_000, "10.0.0.2", false), notes["t1"]);
        Assert.Equal(new SessionNote("alice", "t2", 3_000, "10.0.0.3", true), notes["t2"]);
        Assert.Empty(await Store.ReadAsync("bob", Ct));
    }

    [Fact]
    public async Task Forget_DeletesThoseTokensNotesOnly()
    {
        // Arrange
        await Store.WriteAsync(
        [
            new SessionNote("alice", "t1", 1_000, "a", false),
            new SessionNote("alice", "t2", 2_000, "b", false),
            new SessionNote("bob", "t3", 3_000, "c", false),
        ], Ct);

        // Act: t3 is bob's, so alice's forgetting it leaves it.
        await Store.ForgetAsync("alice", ["t1", "t3"], Ct);

        // Assert
        Assert.Equal(["t2"], (await Store.ReadAsync("alice", Ct)).Keys);
        Assert.Equal(["t3"], (await Store.ReadAsync("bob", Ct)).Keys);
    }
}

public sealed class SqliteSessionNoteStoreContractTests : SessionNoteStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<ISessionNoteStore> CreateStoreAsync() => new SqliteSessionNoteStore(await _database.OpenAsync());

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();
}

public class RedisSessionNoteStoreContractTests : SessionNoteStoreContractTests
{
    /// <summary>The Redis these tests run on: a database of the single server here, the whole cluster in a subclass.</summary>
    private protected virtual Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisDatabaseAsync();

    private RedisDatabaseLease? _lease;

    protected override async Task<ISessionNoteStore> CreateStoreAsync()
    {
        _lease = await LeaseAsync();
        return new RedisSessionNoteStore(await _lease.ConnectAsync(), TimeSpan.FromHours(1));
    }

    protected override ValueTask DisposeStoreAsync() => _lease?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>The same contract on the Redis Cluster that the test command starts.</summary>
public sealed class ClusterRedisSessionNoteStoreContractTests : RedisSessionNoteStoreContractTests
{
    private protected override Task<RedisDatabaseLease> LeaseAsync() => TestServers.LeaseRedisClusterAsync();
}
