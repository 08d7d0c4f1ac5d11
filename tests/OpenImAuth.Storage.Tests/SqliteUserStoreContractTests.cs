using OpenImAuth.Tests.Shared;
using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>The user store contract on the embedded database.</summary>
public sealed class SqliteUserStoreContractTests : UserStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override async Task<IUserStore> CreateStoreAsync() => new SqliteUserStore(await _database.OpenAsync());

    protected override async Task<IUserStore> ReopenStoreAsync() => new SqliteUserStore(await _database.OpenAsync());

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();
}
