using OpenImAuth.Core.Audit;
using OpenImAuth.Tests.Shared;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>The audit store contract on the embedded database.</summary>
public sealed class SqliteAuditStoreContractTests : AuditStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<IAuditStore> CreateStoreAsync() => new SqliteAuditStore(await _database.OpenAsync());

    protected override async Task<IAuditStore> ReopenStoreAsync() => new SqliteAuditStore(await _database.OpenAsync());

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();
}
