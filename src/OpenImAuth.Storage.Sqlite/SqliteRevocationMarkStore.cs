using OpenImAuth.Core.Revocation;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Revocation marks in the embedded database, committed through the writer like token state (so a mark survives a
/// SIGKILL once answered). One process is the only instance: changes are announced in-process after commit.
/// </summary>
public sealed class SqliteRevocationMarkStore(SqliteDatabase database) : IRevocationMarkStore
{
    private const string HeldSql = "SELECT before_ms FROM revocation_marks WHERE user_id = $1 AND platform_id = $2";

    private const string UpsertSql = """
        INSERT INTO revocation_marks (user_id, platform_id, before_ms) VALUES ($1, $2, $3)
            ON CONFLICT (user_id, platform_id) DO UPDATE SET before_ms = excluded.before_ms
        """;

    public event Action<RevocationMark>? Changed;

    // Nothing can be missed in-process.
    public event Action? Resynchronize
    {
        add { }
        remove { }
    }

    public Task<IReadOnlyList<RevocationMark>> ReadAllAsync(CancellationToken cancellationToken)
    {
        using var reader = database.Readers.Rent();
        using var rows = reader.Command("SELECT user_id, platform_id, before_ms FROM revocation_marks").ExecuteReader();
        var marks = new List<RevocationMark>();
        while (rows.Read())
        {
            marks.Add(new RevocationMark(rows.GetString(0), rows.GetInt32(1), rows.GetInt64(2)));
        }
        return Task.FromResult<IReadOnlyList<RevocationMark>>(marks);
    }

    /// <summary>Marks only move forward: an earlier moment than the one held changes (and announces) nothing.</summary>
    public async Task<RevocationMark> RaiseAsync(string userId, int platformId, long beforeMs, CancellationToken cancellationToken)
    {
        var (mark, moved) = await database.Writer.WriteAsync(
            w =>
            {
                var held = w.Command(HeldSql, userId, platformId).ExecuteScalar() is long value ? value : 0;
                if (beforeMs <= held)
                {
                    return (new RevocationMark(userId, platformId, held), false);
                }
                w.Command(UpsertSql, userId, platformId, beforeMs).ExecuteNonQuery();
                return (new RevocationMark(userId, platformId, beforeMs), true);
            },
            raised =>
            {
                if (raised.Item2)
                {
                    Changed?.Invoke(raised.Item1);
                }
            });
        return mark;
    }

    public async Task<bool> ClearAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        await database.Writer.WriteAsync(
            w => w.Command("DELETE FROM revocation_marks WHERE user_id = $1 AND platform_id = $2", userId, platformId).ExecuteNonQuery() > 0,
            cleared =>
            {
                if (cleared)
                {
                    Changed?.Invoke(new RevocationMark(userId, platformId, 0));
                }
            });
}
