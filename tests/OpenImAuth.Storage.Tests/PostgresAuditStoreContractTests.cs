using OpenImAuth.Core.Audit;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Storage.Tests;

/// <summary>The audit store contract on the real PostgreSQL server that the test command starts, one schema per test.</summary>
public sealed class PostgresAuditStoreContractTests : AuditStoreContractTests
{
    private PostgresSchemaLease? _schema;

    protected override async Task<IAuditStore> CreateStoreAsync()
    {
        _schema = await TestServers.CreatePostgresSchemaAsync();
        return await ReopenStoreAsync();
    }

    // A restart is a new instance on the same database; start-up must also accept the table it finds.
    protected override async Task<IAuditStore> ReopenStoreAsync() => await _schema!.OpenAsync(PostgresAuditStore.OpenAsync);

    protected override ValueTask DisposeStoreAsync() => _schema?.DisposeAsync() ?? ValueTask.CompletedTask;
}
