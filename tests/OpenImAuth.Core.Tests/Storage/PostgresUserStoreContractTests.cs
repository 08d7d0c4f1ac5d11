using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Core.Tests.Storage;

/// <summary>The user store contract on the real PostgreSQL server that the test command starts, one schema per test.</summary>
public sealed class PostgresUserStoreContractTests : UserStoreContractTests
{
    private readonly List<PostgresUserStore> _opened = [];
    private PostgresSchemaLease? _schema;

    protected override async Task<IUserStore> CreateStoreAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        return await OpenAsync();
    }

    // A restart is a new instance on the same database; start-up must also accept the schema it finds.
    protected override Task<IUserStore> ReopenStoreAsync() => OpenAsync();

    protected override async ValueTask DisposeStoreAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
        await _schema!.DisposeAsync();
    }

    [Fact]
    public async Task Open_IsIdempotent_WhenInstancesStartTogether()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OpenAsync()));

        var missing = await stores[3].RegisterAsync([User("together", "n")], TestContext.Current.CancellationToken);

        Assert.Null(missing);
        Assert.NotNull(await stores[0].FindAsync("together", TestContext.Current.CancellationToken));
    }

    private async Task<IUserStore> OpenAsync()
    {
        // A timeout far above any answer of a healthy server on a busy machine: the contract, not the bound, is tested.
        var store = await PostgresUserStore.OpenAsync(_schema!.ConnectionString, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        _opened.Add(store);
        return store;
    }
}
