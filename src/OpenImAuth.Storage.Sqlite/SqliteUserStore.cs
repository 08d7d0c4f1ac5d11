using Microsoft.Data.Sqlite;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>Users on the embedded database. Reads use pooled read-only connections; writes go through the writer.</summary>
public sealed class SqliteUserStore(SqliteDatabase database) : IUserStore
{
    private const string Columns = "user_id, nickname, face_url, ex, app_manger_level, global_recv_msg_opt, create_time";
    private const string InsertSql = $"INSERT INTO users ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    public async Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken)
    {
        var found = await FindManyAsync([userId], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        using var reader = database.Readers.Rent();
        var command = reader.Command($"SELECT {Columns} FROM users WHERE user_id = $id");
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var found = new List<UserRecord>(userIds.Count);
        var seen = userIds.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var userId in userIds)
        {
            if (seen is not null && !seen.Add(userId))
            {
                continue;
            }
            id.Value = userId;
            using var rows = command.ExecuteReader();
            if (rows.Read())
            {
                found.Add(ReadUser(rows));
            }
        }
        return Task.FromResult<IReadOnlyList<UserRecord>>(found);
    }

    public Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            // The writer is the only one inserting, so "check all, then insert all" cannot race another registration.
            foreach (var user in users)
            {
                if (w.Command("SELECT 1 FROM users WHERE user_id = $1", user.UserId).ExecuteScalar() is not null)
                {
                    return user.UserId;
                }
            }
            foreach (var user in users)
            {
                Insert(w, InsertSql, user);
            }
            return (string?)null;
        });

    public Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w =>
        {
            foreach (var user in users)
            {
                Insert(w, InsertSql.Replace("INSERT", "INSERT OR IGNORE", StringComparison.Ordinal), user);
            }
            return users.Count;
        });

    public Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(w => w.Command("""
            UPDATE users SET nickname = COALESCE($2, nickname), face_url = COALESCE($3, face_url), ex = COALESCE($4, ex),
                global_recv_msg_opt = COALESCE($5, global_recv_msg_opt)
            WHERE user_id = $1
            """, userId, update.Nickname, update.FaceUrl, update.Extra, update.GlobalRecvMsgOpt).ExecuteNonQuery() > 0);

    public async Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        if (filter.OrdinaryUsersOnly)
        {
            conditions.Add("app_manger_level IN (0, 1)");
        }
        // instr ends a string at U+0000, so "u\0" would match as "u"; no stored ID or nickname has one (UserRules refuse
        // it, as PostgreSQL cannot store it), so a search string with one matches nothing.
        var matches = new List<string>();
        if (!string.IsNullOrEmpty(filter.UserIdContains))
        {
            matches.Add(filter.UserIdContains.Contains('\0', StringComparison.Ordinal) ? "0" : "instr(unicode_lower(user_id), unicode_lower($userId)) > 0");
        }
        if (!string.IsNullOrEmpty(filter.NicknameContains))
        {
            matches.Add(filter.NicknameContains.Contains('\0', StringComparison.Ordinal) ? "0" : "instr(unicode_lower(nickname), unicode_lower($nickname)) > 0");
        }
        if (matches.Count > 0)
        {
            conditions.Add("(" + string.Join(" OR ", matches) + ")");
        }
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        return await PageAsync($"SELECT {Columns} FROM users{where}", $"SELECT COUNT(*) FROM users{where}", skip, take,
            ReadUser, command =>
            {
                command.Parameters.AddWithValue("$userId", filter.UserIdContains ?? "");
                command.Parameters.AddWithValue("$nickname", filter.NicknameContains ?? "");
            }, cancellationToken);
    }

    public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken) =>
        PageAsync("SELECT user_id FROM users", "SELECT COUNT(*) FROM users", skip, take, r => r.GetString(0), _ => { }, cancellationToken);

    public async Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, user_id FROM users WHERE rowid > $after ORDER BY rowid LIMIT $take";
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$take", take);
        return await UserIdRun.ReadAsync(command, after, cancellationToken);
    }

    private async Task<UserPage<T>> PageAsync<T>(string select, string count, int skip, int take,
        Func<SqliteDataReader, T> read, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        // SQLite's lower() folds ASCII only; OpenIM's MySQL collation and MongoDB /i regex fold every letter.
        connection.CreateFunction("unicode_lower", (string? value) => value?.ToLowerInvariant(), isDeterministic: true);
        // One read transaction, so the total and the page come from the same snapshot.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = count;
        bind(command);
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var items = new List<T>();
        if (take > 0 && skip < total)
        {
            command.CommandText = select + " ORDER BY rowid LIMIT $take OFFSET $skip";
            command.Parameters.AddWithValue("$take", take);
            command.Parameters.AddWithValue("$skip", skip);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(read(reader));
            }
        }
        return new UserPage<T>(total, items);
    }

    private static void Insert(SqliteWriter writer, string sql, UserRecord user) =>
        writer.Command(sql, user.UserId, user.Nickname, user.FaceUrl, user.Extra, user.AppMangerLevel,
            user.GlobalRecvMsgOpt, user.CreateTime).ExecuteNonQuery();

    private static UserRecord ReadUser(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetInt32(4), reader.GetInt32(5), reader.GetInt64(6));
}
