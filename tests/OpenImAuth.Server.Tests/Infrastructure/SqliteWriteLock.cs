using Microsoft.Data.Sqlite;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// The write lock of a server's database file, taken by a connection of the test (another process, as far as the
/// server's SQLite is concerned), as a backup tool might: the server's writes wait until it is released.
/// </summary>
public sealed class SqliteWriteLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private bool _held;

    private SqliteWriteLock(SqliteConnection connection) => _connection = connection;

    public static async Task<SqliteWriteLock> TakeAsync(string dataDirectory)
    {
        var file = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "openimauth.db"), Pooling = false };
        var holder = new SqliteWriteLock(new SqliteConnection(file.ToString()));
        await holder._connection.OpenAsync(TestContext.Current.CancellationToken);
        await holder.ExecuteAsync("BEGIN IMMEDIATE");
        holder._held = true;
        return holder;
    }

    public async Task ReleaseAsync()
    {
        if (_held)
        {
            _held = false;
            await ExecuteAsync("ROLLBACK");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _connection.DisposeAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
