using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Storage.Tests;

/// <summary>The user store contract on the real PostgreSQL server that the test command starts, one schema per test.</summary>
public sealed class PostgresUserStoreContractTests : UserStoreContractTests
{
    private PostgresSchemaLease? _schema;

    protected override async Task<IUserStore> CreateStoreAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        return await ReopenStoreAsync();
    }

    // A restart is a new instance on the same database; start-up must also accept the schema it finds.
    protected override async Task<IUserStore> ReopenStoreAsync() => await _schema!.OpenAsync(PostgresUserStore.OpenAsync);

    protected override ValueTask DisposeStoreAsync() => _schema?.DisposeAsync() ?? ValueTask.CompletedTask;

    [Fact]
    public async Task Open_IsIdempotent_WhenInstancesStartTogether()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ReopenStoreAsync()));

        var missing = await stores[3].RegisterAsync([User("together", "n")], TestContext.Current.CancellationToken);

        Assert.Null(missing);
        Assert.NotNull(await stores[0].FindAsync("together", TestContext.Current.CancellationToken));
    }
}
