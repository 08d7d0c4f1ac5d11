using Microsoft.Data.Sqlite;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>Users on the embedded database. Reads use pooled read-only connections; writes go through the writer.</summary>
public sealed class SqliteUserStore(SqliteDatabase database) : IUserStore
{
    private const string Columns = UserTable.Columns;
    private const string InsertSql = $"INSERT INTO users ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    /// <summary>
    /// SQLite's users table: listed in rowid order, and searched with <c>unicode_lower</c>, registered on each reading
    /// connection, because SQLite's lower() folds ASCII only while OpenIM's MySQL collation and MongoDB /i regex fold
    /// every letter.
    /// </summary>
    internal static readonly UserSqlDialect Dialect =
        new(Parameter: "$", Position: "rowid", PositionDefinition: null, BigInteger: "INTEGER", Lower: "unicode_lower", Find: "instr");

    private static readonly string PageSql = UserTable.Page(Dialect);
    private static readonly string IdsAfterSql = UserTable.IdsAfter(Dialect);

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
        database.Writer.WriteAsync(w => w.Command(UserTable.Update,
            userId, update.Nickname, update.FaceUrl, update.Extra, update.GlobalRecvMsgOpt).ExecuteNonQuery() > 0);

    public async Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        var where = UserTable.Where(filter, Dialect);
        return await PageAsync($"SELECT {Columns} FROM users{where}", $"SELECT COUNT(*) FROM users{where}", skip, take,
            ReadUser, command =>
            {
                command.Parameters.AddWithValue("$" + UserTable.UserIdParameter, filter.UserIdContains ?? "");
                command.Parameters.AddWithValue("$" + UserTable.NicknameParameter, filter.NicknameContains ?? "");
            }, cancellationToken);
    }

    public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken) =>
        PageAsync("SELECT user_id FROM users", "SELECT COUNT(*) FROM users", skip, take, r => r.GetString(0), _ => { }, cancellationToken);

    public async Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = IdsAfterSql;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$take", take);
        return await UserIdRun.ReadAsync(command, after, cancellationToken);
    }

    private async Task<UserPage<T>> PageAsync<T>(string select, string count, int skip, int take,
        Func<SqliteDataReader, T> read, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        connection.CreateFunction(Dialect.Lower, (string? value) => value?.ToLowerInvariant(), isDeterministic: true);
        // One read transaction, so the total and the page come from the same snapshot.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = count;
        bind(command);
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var items = new List<T>();
        if (take > 0 && skip < total)
        {
            command.CommandText = select + PageSql;
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
