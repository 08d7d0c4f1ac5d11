using OpenImAuth.Core.Audit;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Core.Tests.Storage;

/// <summary>The audit store contract on the real PostgreSQL server that the test command starts, one schema per test.</summary>
public sealed class PostgresAuditStoreContractTests : AuditStoreContractTests
{
    private readonly List<PostgresAuditStore> _opened = [];
    private PostgresSchemaLease? _schema;

    protected override async Task<IAuditStore> CreateStoreAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        return await OpenAsync();
    }

    // A restart is a new instance on the same database; start-up must also accept the table it finds.
    protected override Task<IAuditStore> ReopenStoreAsync() => OpenAsync();

    protected override async ValueTask DisposeStoreAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
        await _schema!.DisposeAsync();
    }

    private async Task<IAuditStore> OpenAsync()
    {
        // A timeout far above any answer of a healthy server on a busy machine: the contract, not the bound, is tested.
        var store = await PostgresAuditStore.OpenAsync(_schema!.ConnectionString, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        _opened.Add(store);
        return store;
    }
}
