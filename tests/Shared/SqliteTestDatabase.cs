using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Tests.Shared;

/// <summary>
/// An embedded database in a temp directory of its own. <see cref="OpenAsync"/> closes the previous instance before
/// opening the file again, which is what a restart does; disposing closes it and deletes the directory.
/// </summary>
internal sealed class SqliteTestDatabase : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private SqliteDatabase? _database;

    public string DirectoryPath => _directory.Path;

    public async Task<SqliteDatabase> OpenAsync()
    {
        await CloseAsync();
        _database = await SqliteDatabase.OpenAsync(_directory.Path, TestContext.Current.CancellationToken);
        return _database;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _directory.Dispose();
    }

    private async Task CloseAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
            _database = null;
        }
    }
}
