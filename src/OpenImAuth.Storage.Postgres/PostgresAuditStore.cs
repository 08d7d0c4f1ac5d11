using Npgsql;
using OpenImAuth.Core.Audit;

namespace OpenImAuth.Storage.Postgres;

/// <summary>
/// The audit trail in PostgreSQL (table <c>audit_log</c>, beside <c>users</c>), shared by every instance. A batch is one
/// INSERT of arrays; the schema is created idempotently at start-up under an advisory lock, as the users table is.
/// Npgsql's command timeout (the store's timeout plus a second) bounds every call. Indexed by time only, as on the
/// embedded store: a search by user reads the entries of its time range.
/// </summary>
public sealed class PostgresAuditStore : IAuditStore, IAsyncDisposable
{
    private const string Columns = "time, action, operation_id, actor, user_id, platform_id, address, err_code, detail";
    private const long SchemaLockId = 0x4f70656e41756474; // "OpenAudt"

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS audit_log (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            time BIGINT NOT NULL,
            action TEXT NOT NULL,
            operation_id TEXT NOT NULL,
            actor TEXT NOT NULL,
            user_id TEXT NOT NULL,
            platform_id INTEGER NOT NULL,
            address TEXT NOT NULL,
            err_code INTEGER NOT NULL,
            detail TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (time);
        """;

    private readonly NpgsqlDataSource _dataSource;

    private PostgresAuditStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects and makes sure the table exists.</summary>
    public static async Task<PostgresAuditStore> OpenAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var store = new PostgresAuditStore(NpgsqlDataSource.Create(PostgresUserStore.WithTimeouts(connectionString, timeout)));
        try
        {
            await using var connection = await store._dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockId}); {Schema}", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
        return store;
    }

    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"""
            INSERT INTO audit_log ({Columns})
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::text[])
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Time).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Action).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.OperationId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Actor).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.UserId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.PlatformId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Address).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.ErrCode).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Detail).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<AuditPage> SearchAsync(AuditQuery query, int skip, int take, CancellationToken cancellationToken)
    {
        if (query.MatchesNothing)
        {
            return new AuditPage(0, []);
        }
        var where = query.WhereClause('@');
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the total and the page.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM audit_log" + where, connection, transaction);
        command.Parameters.AddWithValue("userId", query.UserId ?? "");
        command.Parameters.AddWithValue("action", query.Action ?? "");
        command.Parameters.AddWithValue("from", query.From ?? 0);
        command.Parameters.AddWithValue("to", query.To ?? 0);
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var entries = new List<AuditEntry>();
        if (take > 0 && skip < total)
        {
            command.CommandText = $"SELECT {Columns} FROM audit_log{where} ORDER BY time DESC, seq DESC LIMIT @take OFFSET @skip";
            command.Parameters.AddWithValue("take", take);
            command.Parameters.AddWithValue("skip", skip);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new AuditEntry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetInt32(5), reader.GetString(6), reader.GetInt32(7), reader.GetString(8)));
            }
        }
        return new AuditPage(total, entries);
    }

    public async Task<long> PruneAsync(long before, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM audit_log WHERE time < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = before });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
