namespace OpenImAuth.Core.Users;

/// <summary>
/// The users table of the SQL stores, written once for both: its columns, its schema, and the statements that list
/// users. Each store gives its <see cref="UserSqlDialect"/>; what differs beyond it (finding many users at once,
/// inserting, reading a row) stays in the store. A new column goes into <see cref="Columns"/> and
/// <see cref="CreateTable"/> here, then into each store's insert and row reader.
/// </summary>
public static class UserTable
{
    /// <summary>Every column of a <see cref="UserRecord"/>, in the order of its constructor.</summary>
    public const string Columns = "user_id, nickname, face_url, ex, app_manger_level, global_recv_msg_opt, create_time";

    /// <summary>The names (without the dialect's prefix) of the parameters that <see cref="Where"/> refers to.</summary>
    public const string UserIdParameter = "userId";

    /// <inheritdoc cref="UserIdParameter"/>
    public const string NicknameParameter = "nickname";

    /// <summary>An update of the fields <see cref="UserUpdate"/> may change: $1 the user, $2 to $5 the fields (NULL keeps one).</summary>
    public const string Update = """
        UPDATE users SET nickname = COALESCE($2, nickname), face_url = COALESCE($3, face_url), ex = COALESCE($4, ex),
            global_recv_msg_opt = COALESCE($5, global_recv_msg_opt)
        WHERE user_id = $1
        """;

    /// <summary>Creates the table (and the index on its position) unless it exists.</summary>
    public static string CreateTable(UserSqlDialect dialect)
    {
        var position = dialect.PositionDefinition is { } type ? $"\n    {dialect.Position} {type}," : "";
        var index = dialect.PositionDefinition is null ? ""
            : $"\nCREATE UNIQUE INDEX IF NOT EXISTS users_by_{dialect.Position} ON users ({dialect.Position});";
        return $"""
            CREATE TABLE IF NOT EXISTS users ({position}
                user_id TEXT NOT NULL PRIMARY KEY,
                nickname TEXT NOT NULL,
                face_url TEXT NOT NULL,
                ex TEXT NOT NULL,
                app_manger_level INTEGER NOT NULL,
                global_recv_msg_opt INTEGER NOT NULL,
                create_time {dialect.BigInteger} NOT NULL);{index}
            """;
    }

    /// <summary>
    /// The WHERE clause (with its leading space, or empty) of the users <paramref name="filter"/> keeps: ordinary
    /// users only, and/or a case-insensitive substring of the user ID or nickname (either matching), the texts bound
    /// as <see cref="UserIdParameter"/> and <see cref="NicknameParameter"/>.
    /// </summary>
    public static string Where(UserFilter filter, UserSqlDialect dialect)
    {
        var conditions = new List<string>();
        if (filter.OrdinaryUsersOnly)
        {
            conditions.Add("app_manger_level IN (0, 1)");
        }
        var matches = new List<string>();
        // Text that no store can hold is in no stored text (UserRules.CanBeStored): it matches nobody and is not
        // referred to. PostgreSQL would fail the statement on it; SQLite matched as if it ended at its first U+0000,
        // so that "\0" matched everyone.
        if (!string.IsNullOrEmpty(filter.UserIdContains))
        {
            matches.Add(UserRules.CanBeStored(filter.UserIdContains) ? Contains(dialect, "user_id", UserIdParameter) : "FALSE");
        }
        if (!string.IsNullOrEmpty(filter.NicknameContains))
        {
            matches.Add(UserRules.CanBeStored(filter.NicknameContains) ? Contains(dialect, "nickname", NicknameParameter) : "FALSE");
        }
        if (matches.Count > 0)
        {
            conditions.Add("(" + string.Join(" OR ", matches) + ")");
        }
        return conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
    }

    /// <summary>What follows a select of users to take one page of it in registration order: bound as take and skip.</summary>
    public static string Page(UserSqlDialect dialect) =>
        $" ORDER BY {dialect.Position} LIMIT {dialect.Parameter}take OFFSET {dialect.Parameter}skip";

    /// <summary>(position, user ID) of the users after position <c>after</c>, oldest first, at most <c>take</c> of them.</summary>
    public static string IdsAfter(UserSqlDialect dialect) =>
        $"SELECT {dialect.Position}, user_id FROM users WHERE {dialect.Position} > {dialect.Parameter}after ORDER BY {dialect.Position} LIMIT {dialect.Parameter}take";

    private static string Contains(UserSqlDialect dialect, string column, string parameter) =>
        $"{dialect.Find}({dialect.Lower}({column}), {dialect.Lower}({dialect.Parameter}{parameter})) > 0";
}
