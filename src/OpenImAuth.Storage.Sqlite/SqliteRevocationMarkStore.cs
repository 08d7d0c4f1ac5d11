using OpenImAuth.Core.Revocation;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Revocation marks in the embedded database, committed through the writer like token state (so a mark survives a
/// SIGKILL once answered). One process is the only instance: changes are announced in-process after commit.
/// </summary>
public sealed class SqliteRevocationMarkStore(SqliteDatabase database) : IRevocationMarkStore
{
    // MAX() keeps a mark from moving back: a revoke with an earlier moment leaves the later one in force.
    private const string RaiseSql = """
        INSERT INTO revocation_marks (user_id, platform_id, before_ms) VALUES ($1, $2, $3)
            ON CONFLICT (user_id, platform_id) DO UPDATE SET before_ms = MAX(before_ms, excluded.before_ms)
            RETURNING before_ms
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

    public Task<RevocationMark> RaiseAsync(string userId, int platformId, long beforeMs, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(
            w => new RevocationMark(userId, platformId, (long)w.Command(RaiseSql, userId, platformId, beforeMs).ExecuteScalar()!),
            mark => Changed?.Invoke(mark));

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
