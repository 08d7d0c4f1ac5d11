using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and run through SQLite's own API: bind, step, reset.
/// For the statement every login runs (the token log insert), where <see cref="SqliteCommand"/> costs a parameter
/// binder per value, boxed numbers, a UTF-8 copy of each string and a statement enumerator per execution. It runs
/// in whatever transaction the connection has open, as the writer's commands do.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_database, sql, out _statement));
    }

    /// <summary>Binds <c>$index</c> (1-based) to a string, which SQLite copies, or to NULL.</summary>
    public SqliteStatement Bind(int index, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));
        return this;
    }

    public SqliteStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    /// <summary>Runs an INSERT as <see cref="Execute"/> does; returns the rowid of the row it inserted.</summary>
    public long Insert()
    {
        Execute();
        return raw.sqlite3_last_insert_rowid(_database);
    }

    /// <summary>Runs the statement, which must return no rows, then resets it for the next run.</summary>
    public void Execute()
    {
        try
        {
            var result = raw.sqlite3_step(_statement);
            if (result == raw.SQLITE_ROW)
            {
                throw new SqliteException("a statement run for its effect returned rows", raw.SQLITE_MISUSE);
            }
            if (result != raw.SQLITE_DONE)
            {
                Check(result);
            }
        }
        finally
        {
            // Resetting also ends the statement's hold on the transaction; its bindings stay until bound again.
            raw.sqlite3_reset(_statement);
        }
    }

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            // The same exception SqliteCommand throws, so callers handle both alike.
            throw new SqliteException(raw.sqlite3_errmsg(_database).utf8_to_string(), result, raw.sqlite3_extended_errcode(_database));
        }
    }

    public void Dispose() => _statement.Dispose();
}
