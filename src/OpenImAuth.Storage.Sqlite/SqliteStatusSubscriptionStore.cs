using OpenImAuth.Core.Presence;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>REST online-status subscriptions in the embedded database: one row each, their rowid giving their age.</summary>
public sealed class SqliteStatusSubscriptionStore(SqliteDatabase database) : IStatusSubscriptionStore
{
    private const string InsertSql = "INSERT INTO status_subscriptions (user_id, target_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

    private const string TrimSql = """
        DELETE FROM status_subscriptions WHERE user_id = $1 AND seq IN (
            SELECT seq FROM status_subscriptions WHERE user_id = $1 ORDER BY seq DESC LIMIT -1 OFFSET $2)
        """;

    public Task SubscribeAsync(string userId, IReadOnlyList<string> targets, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            foreach (var target in targets)
            {
                w.Command(InsertSql, userId, target).ExecuteNonQuery();
            }
            return w.Command(TrimSql, userId, IStatusSubscriptionStore.MaxPerUser).ExecuteNonQuery();
        });

    public Task UnsubscribeAsync(string userId, IReadOnlyList<string> targets, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            foreach (var target in targets)
            {
                w.Command("DELETE FROM status_subscriptions WHERE user_id = $1 AND target_id = $2", userId, target).ExecuteNonQuery();
            }
            return targets.Count;
        });

    public Task<IReadOnlyList<string>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        using var reader = database.Readers.Rent();
        var command = reader.Command("SELECT target_id FROM status_subscriptions WHERE user_id = $id ORDER BY seq");
        command.Parameters.AddWithValue("$id", userId);
        using var rows = command.ExecuteReader();
        var targets = new List<string>();
        while (rows.Read())
        {
            targets.Add(rows.GetString(0));
        }
        return Task.FromResult<IReadOnlyList<string>>(targets);
    }
}
