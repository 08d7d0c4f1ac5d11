using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The user store contract again on PostgreSQL, with lookups going through <see cref="RedisUserCache"/>: memory may
/// change how fast an answer comes, never what it says.
/// </summary>
public sealed class CachedUserStoreContractTests : UserStoreContractTests
{
    private PostgresSchemaLease? _schema;
    private RedisDatabaseLease? _redis;

    protected override async Task<IUserStore> CreateStoreAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        _redis = await TestServers.LeaseRedisDatabaseAsync();
        return await ReopenStoreAsync();
    }

    // A restart is a new instance, with a memory of its own, on the same database and Redis.
    protected override async Task<IUserStore> ReopenStoreAsync()
    {
        var users = await _schema!.OpenAsync(PostgresUserStore.OpenAsync);
        return new CachedUserStore(users, await RedisUserCache.StartAsync(await _redis!.ConnectAsync(), TimeProvider.System, 1000));
    }

    protected override async ValueTask DisposeStoreAsync()
    {
        await _redis!.DisposeAsync();
        await _schema!.DisposeAsync();
    }
}
