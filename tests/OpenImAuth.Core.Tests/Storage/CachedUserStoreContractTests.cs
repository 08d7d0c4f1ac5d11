using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Core.Tests.Storage;

/// <summary>
/// The user store contract again on PostgreSQL, with lookups going through <see cref="RedisUserCache"/>: memory may
/// change how fast an answer comes, never what it says.
/// </summary>
public sealed class CachedUserStoreContractTests : UserStoreContractTests
{
    private readonly List<IAsyncDisposable> _opened = [];
    private PostgresSchemaLease? _schema;
    private RedisDatabaseLease? _redis;

    protected override async Task<IUserStore> CreateStoreAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        _redis = await TestServers.LeaseRedisDatabaseAsync();
        return await OpenAsync();
    }

    // A restart is a new instance, with a memory of its own, on the same database and Redis.
    protected override Task<IUserStore> ReopenStoreAsync() => OpenAsync();

    protected override async ValueTask DisposeStoreAsync()
    {
        foreach (var resource in _opened)
        {
            await resource.DisposeAsync();
        }
        await _redis!.DisposeAsync();
        await _schema!.DisposeAsync();
    }

    private async Task<IUserStore> OpenAsync()
    {
        var users = await PostgresUserStore.OpenAsync(_schema!.ConnectionString, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        _opened.Add(users);
        var connection = await TestServers.ConnectAsync(_redis!.Database);
        _opened.Add(connection);
        return new CachedUserStore(users, await RedisUserCache.StartAsync(connection, TimeProvider.System, 1000));
    }
}
