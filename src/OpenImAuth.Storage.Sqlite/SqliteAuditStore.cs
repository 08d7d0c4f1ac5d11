using Microsoft.Data.Sqlite;
using OpenImAuth.Core.Audit;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// The audit trail in the embedded database file (table <c>audit_log</c>). A batch is one write of the store's writer,
/// so it shares the group commit (and its fsync) of the logins around it; searches use the pooled readers.
/// </summary>
public sealed class SqliteAuditStore(SqliteDatabase database) : IAuditStore
{
    private const string Columns = "time, action, operation_id, actor, user_id, platform_id, address, err_code, detail";
    private const string InsertSql = $"INSERT INTO audit_log ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    private const int PruneChunk = 10_000;

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            // Through SQLite's own API: a batch can be hundreds of rows, on the thread every login's write waits for.
            var insert = w.Statement(InsertSql);
            foreach (var e in entries)
            {
                insert.Bind(1, e.Time).Bind(2, e.Action).Bind(3, e.OperationId).Bind(4, e.Actor).Bind(5, e.UserId)
                    .Bind(6, e.PlatformId).Bind(7, e.Address).Bind(8, e.ErrCode).Bind(9, e.Detail).Execute();
            }
            return entries.Count;
        });

    public async Task<AuditPage> SearchAsync(AuditQuery query, int skip, int take, CancellationToken cancellationToken)
    {
        if (query.MatchesNothing)
        {
            return new AuditPage(0, []);
        }
        var where = query.WhereClause('$');
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        // One read transaction, so the total and the page come from the same snapshot.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM audit_log" + where;
        command.Parameters.AddWithValue("$userId", query.UserId ?? "");
        command.Parameters.AddWithValue("$action", query.Action ?? "");
        command.Parameters.AddWithValue("$from", query.From ?? 0);
        command.Parameters.AddWithValue("$to", query.To ?? 0);
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var entries = new List<AuditEntry>();
        if (take > 0 && skip < total)
        {
            command.CommandText = $"SELECT {Columns} FROM audit_log{where} ORDER BY time DESC, seq DESC LIMIT $take OFFSET $skip";
            command.Parameters.AddWithValue("$take", take);
            command.Parameters.AddWithValue("$skip", skip);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(Read(reader));
            }
        }
        return new AuditPage(total, entries);
    }

    /// <summary>
    /// In writes of at most <see cref="PruneChunk"/> rows: logins queue behind each write, and the first prune of a
    /// large table (a retention shortened, say) must not hold them up for seconds.
    /// </summary>
    public async Task<long> PruneAsync(long before, CancellationToken cancellationToken)
    {
        long pruned = 0;
        int deleted;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            deleted = await database.Writer.WriteAsync(w => w.Command(
                "DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE time < $1 LIMIT $2)", before, PruneChunk).ExecuteNonQuery());
            pruned += deleted;
        }
        while (deleted == PruneChunk);
        return pruned;
    }


    private static AuditEntry Read(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetString(6),
            r.GetInt32(7), r.GetString(8));
}
