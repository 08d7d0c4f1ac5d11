using OpenImAuth.Core.Revocation;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>Session notes in the embedded database, one row per token, written in the writer's batches.</summary>
public sealed class SqliteSessionNoteStore(SqliteDatabase database) : ISessionNoteStore
{
    private const string UpsertSql = """
        INSERT INTO session_notes (token, user_id, last_seen_ms, last_seen_address, revoked) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (token) DO UPDATE SET
                last_seen_address = CASE WHEN excluded.last_seen_ms > last_seen_ms THEN excluded.last_seen_address ELSE last_seen_address END,
                last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms),
                revoked = MAX(revoked, excluded.revoked)
        """;

    public Task WriteAsync(IReadOnlyList<SessionNote> notes, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            foreach (var note in notes)
            {
                w.Command(UpsertSql, note.Token, note.UserId, note.LastSeenMs, note.LastSeenAddress, note.Revoked ? 1 : 0).ExecuteNonQuery();
            }
            return notes.Count;
        });

    public Task ForgetAsync(string userId, IReadOnlyCollection<string> tokens, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            foreach (var token in tokens)
            {
                w.Command("DELETE FROM session_notes WHERE token = $1 AND user_id = $2", token, userId).ExecuteNonQuery();
            }
            return tokens.Count;
        });

    public Task<IReadOnlyDictionary<string, SessionNote>> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        using var reader = database.Readers.Rent();
        var command = reader.Command("SELECT token, last_seen_ms, last_seen_address, revoked FROM session_notes WHERE user_id = $id");
        command.Parameters.AddWithValue("$id", userId);
        using var rows = command.ExecuteReader();
        var notes = new Dictionary<string, SessionNote>(StringComparer.Ordinal);
        while (rows.Read())
        {
            notes[rows.GetString(0)] = new SessionNote(userId, rows.GetString(0), rows.GetInt64(1), rows.GetString(2), rows.GetInt64(3) != 0);
        }
        return Task.FromResult<IReadOnlyDictionary<string, SessionNote>>(notes);
    }
}
