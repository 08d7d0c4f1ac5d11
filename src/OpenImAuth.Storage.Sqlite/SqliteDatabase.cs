using Microsoft.Data.Sqlite;
using OpenImAuth.Core;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// The embedded database file: created with its schema on first start, written by one <see cref="SqliteWriter"/>,
/// read through pooled connections (WAL lets readers run beside the writer).
/// </summary>
public sealed class SqliteDatabase : IStoreProbe, IAsyncDisposable
{
    public const string FileName = "openimauth.db";

    /// <summary>The schema this build writes (PRAGMA user_version).</summary>
    internal const int SchemaVersion = 3;

    // user_version 2. Token state is an append-only log: each row of token_log is the full state of one token, or
    // a tombstone (status TokenLog.Tombstone) that forgets it, and a token's last row wins. A rowid
    // table with no other index, so a login appends a row or two at the end of one B-tree; the store replays it
    // at start-up and compacts its oldest rows as it grows. issued_at and expires_at keep per-token expiry; issued_ms
    // (version 3; 0 in older rows) the issuance time that revocation marks compare with. revocation_marks holds the
    // marks of revoke_tokens (user_id '' for the whole app, platform_id 0 for every platform), session_notes the
    // last use of each token and whether it was revoked alone (revoke_session). health_probe holds the one row
    // that readiness probes rewrite; it needs no schema version, as this build creates it when missing and earlier
    // builds ignore it. So does audit_log, the audit trail (SqliteAuditStore): appended in batches, searched and
    // pruned by time. Indexed by time only: an index on user_id, random inserts on the writer every login waits for,
    // cost embedded logins a fifth of their throughput (docs/benchmarks.md, Audit log). status_subscriptions holds
    // the REST online-status subscriptions (docs/decisions.md, D15), seq giving their age; created when missing too.
    // The users table is written once for both SQL stores, in OpenImAuth.Core's UserTable.
    private static readonly string Schema = UserTable.CreateTable(SqliteUserStore.Dialect) + "\n" + """
        CREATE TABLE IF NOT EXISTS token_log (
            seq INTEGER PRIMARY KEY,
            token TEXT NOT NULL,
            user_id TEXT NOT NULL,
            platform_id INTEGER NOT NULL,
            status INTEGER NOT NULL,
            issued_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            issued_ms INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS revocation_marks (
            user_id TEXT NOT NULL,
            platform_id INTEGER NOT NULL,
            before_ms INTEGER NOT NULL,
            PRIMARY KEY (user_id, platform_id));
        CREATE TABLE IF NOT EXISTS session_notes (
            token TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL,
            last_seen_ms INTEGER NOT NULL,
            last_seen_address TEXT NOT NULL,
            revoked INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS session_notes_user ON session_notes (user_id);
        CREATE TABLE IF NOT EXISTS health_probe (
            id INTEGER PRIMARY KEY,
            probes INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS audit_log (
            seq INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            action TEXT NOT NULL,
            operation_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            user_id TEXT NOT NULL,
            platform_id INTEGER NOT NULL,
            address TEXT NOT NULL,
            err_code INTEGER NOT NULL,
            detail TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (time);
        CREATE TABLE IF NOT EXISTS status_subscriptions (
            seq INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            UNIQUE (user_id, target_id));
        """;

    private const string ProbeWrite =
        "INSERT INTO health_probe (id, probes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET probes = probes + 1";

    // Version 1 kept one row per token in `tokens`, keyed by the token text and indexed by (user_id, platform_id).
    // Its rows become puts in the log, in their order, and the table (with its index) goes.
    private const string MigrateTokensTable = """
        INSERT INTO token_log (token, user_id, platform_id, status, issued_at, expires_at)
            SELECT token, user_id, platform_id, status, issued_at, expires_at FROM tokens ORDER BY rowid;
        DROP TABLE tokens;
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
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;", cancellationToken);
            await MigrateAsync(connection, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        builder.Mode = SqliteOpenMode.ReadOnly;
        return new SqliteDatabase(builder.ToString(), new SqliteWriter(connection));
    }

    public string Name => "sqlite";

    /// <summary>
    /// Readiness: a one-row write through the writer, committed to disk like a request's, so that a full or read-only
    /// disk, a lock another process holds on the file or a writer that no longer runs shows.
    /// </summary>
    public Task ProbeAsync(CancellationToken cancellationToken) =>
        Writer.WriteAsync(static writer => writer.Command(ProbeWrite).ExecuteNonQuery());

    internal async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Brings the file to <see cref="SchemaVersion"/> in one transaction: all of it, or nothing.</summary>
    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction();
        var version = (long)(await ScalarAsync(transaction, "PRAGMA user_version", cancellationToken))!;
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"{connection.DataSource} has schema version {version}, newer than this build's {SchemaVersion}; run a newer OpenImAuth");
        }
        await ExecuteAsync(connection, transaction, Schema, cancellationToken);
        if (await ScalarAsync(transaction, "SELECT 1 FROM pragma_table_info('token_log') WHERE name = 'issued_ms'", cancellationToken) is null)
        {
            await ExecuteAsync(connection, transaction, "ALTER TABLE token_log ADD COLUMN issued_ms INTEGER NOT NULL DEFAULT 0", cancellationToken);
        }
        if (await ScalarAsync(transaction, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tokens'", cancellationToken) is not null)
        {
            await ExecuteAsync(connection, transaction, MigrateTokensTable, cancellationToken);
        }
        await ExecuteAsync(connection, transaction, $"PRAGMA user_version = {SchemaVersion}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
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
