using Microsoft.Data.Sqlite;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// The embedded database file: created with its schema on first start, written by one <see cref="SqliteWriter"/>,
/// read through pooled connections (WAL lets readers run beside the writer).
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable
{
    public const string FileName = "openimauth.db";

    // user_version 1. The token table already carries what later features need without a data migration:
    // per-token expiry (expires_at), "revoke everything issued before T" (issued_at, compared with a revocation
    // mark kept in a table of its own), and a per-user session list (the user_id index).
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS users (
            user_id TEXT NOT NULL PRIMARY KEY,
            nickname TEXT NOT NULL,
            face_url TEXT NOT NULL,
            ex TEXT NOT NULL,
            app_manger_level INTEGER NOT NULL,
            global_recv_msg_opt INTEGER NOT NULL,
            create_time INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS tokens (
            token TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL,
            platform_id INTEGER NOT NULL,
            status INTEGER NOT NULL,
            issued_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (user_id, platform_id);
        PRAGMA user_version = 1;
        """;

    private readonly string _readConnectionString;

    private SqliteDatabase(string readConnectionString, SqliteWriter writer)
    {
        _readConnectionString = readConnectionString;
        Writer = writer;
        Readers = new SqliteReaders(readConnectionString);
    }

    internal SqliteWriter Writer { get; }

    internal SqliteReaders Readers { get; }

    /// <summary>Opens (creating if needed) <c>openimauth.db</c> in <paramref name="dataDirectory"/>.</summary>
    public static async Task<SqliteDatabase> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.GetFullPath(Path.Combine(dataDirectory, FileName));
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true };
        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;", cancellationToken);
        await ExecuteAsync(connection, Schema, cancellationToken);
        builder.Mode = SqliteOpenMode.ReadOnly;
        return new SqliteDatabase(builder.ToString(), new SqliteWriter(connection));
    }

    internal async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        Readers.Dispose();
        // Pooled readers would otherwise keep the file open after the store is gone.
        using var pooled = new SqliteConnection(_readConnectionString);
        SqliteConnection.ClearPool(pooled);
    }
}
