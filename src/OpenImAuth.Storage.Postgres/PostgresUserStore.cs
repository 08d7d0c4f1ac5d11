using Npgsql;
using NpgsqlTypes;
using OpenImAuth.Core;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Postgres;

/// <summary>
/// Users in PostgreSQL, shared by every instance. The schema is created (or upgraded) idempotently at start-up
/// under an advisory lock, so instances starting together do not race. Listing order is registration order.
/// </summary>
public sealed class PostgresUserStore : IUserStore, IStoreProbe, IAsyncDisposable
{
    private const string Columns = UserTable.Columns;
    private const long SchemaLockId = 0x4f70656e496d4175; // "OpenImAu"

    /// <summary>PostgreSQL's users table: listed in the order of a seq column of its own.</summary>
    private static readonly UserSqlDialect Dialect = new(
        Parameter: "@", Position: "seq", PositionDefinition: "BIGINT GENERATED ALWAYS AS IDENTITY", BigInteger: "BIGINT", Lower: "lower", Find: "strpos");

    private static readonly string Schema = UserTable.CreateTable(Dialect);
    private static readonly string PageSql = UserTable.Page(Dialect);
    private static readonly string IdsAfterSql = UserTable.IdsAfter(Dialect);

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _timeout;

    private PostgresUserStore(NpgsqlDataSource dataSource, TimeSpan timeout)
    {
        _dataSource = dataSource;
        _timeout = timeout;
    }

    /// <summary>
    /// Connects and makes sure the schema exists. Every call, this one included, fails after <paramref name="timeout"/>
    /// with an <see cref="NpgsqlException"/> whose inner exception is a <see cref="TimeoutException"/>.
    /// </summary>
    public static async Task<PostgresUserStore> OpenAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var store = new PostgresUserStore(NpgsqlDataSource.Create(WithTimeouts(connectionString, timeout)), timeout);
        await store.BoundedAsync(async token =>
        {
            await using var connection = await store._dataSource.OpenConnectionAsync(token);
            await using var transaction = await connection.BeginTransactionAsync(token);
            await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockId}); {Schema}", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(token);
            }
            await transaction.CommitAsync(token);
            return true;
        }, cancellationToken);
        return store;
    }

    /// <summary>
    /// <paramref name="connectionString"/> with Npgsql's own timeouts, which count whole seconds (15 s to connect, 30 s
    /// per command by default), when left at their defaults, a second after <paramref name="timeout"/>: they only back
    /// up the store's own.
    /// </summary>
    internal static string WithTimeouts(string connectionString, TimeSpan timeout)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var backstop = (int)Math.Ceiling(timeout.TotalSeconds) + 1;
        if (builder.Timeout == 15)
        {
            builder.Timeout = backstop;
        }
        if (builder.CommandTimeout == 30)
        {
            builder.CommandTimeout = backstop;
        }
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 16; // the same few statements run on every request: parse and plan them once
        }
        return builder.ConnectionString;
    }

    public async Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken)
    {
        var found = await FindManyAsync([userId], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken) =>
        BoundedAsync(token => FindManyCoreAsync(userIds, token), cancellationToken);

    private async Task<IReadOnlyList<UserRecord>> FindManyCoreAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var storable = userIds.Where(CanBeStored).Distinct(StringComparer.Ordinal).ToArray();
        if (storable.Length == 0)
        {
            return [];
        }
        await using var command = _dataSource.CreateCommand($"SELECT {Columns} FROM users WHERE user_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = storable });
        var found = new Dictionary<string, UserRecord>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var user = ReadUser(reader);
            found[user.UserId] = user;
        }
        return storable.Where(found.ContainsKey).Select(id => found[id]).ToList();
    }

    public Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        BoundedAsync(token => RegisterCoreAsync(users, token), cancellationToken);

    private async Task<string?> RegisterCoreAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = InsertCommand(connection, users, "ON CONFLICT (user_id) DO NOTHING RETURNING user_id");
        command.Transaction = transaction;
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetString(0));
            }
        }
        var existing = users.FirstOrDefault(u => !inserted.Contains(u.UserId));
        if (existing is not null)
        {
            await transaction.RollbackAsync(cancellationToken); // all or nothing
            return existing.UserId;
        }
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    public Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        BoundedAsync(async token =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(token);
            await using var command = InsertCommand(connection, users, "ON CONFLICT (user_id) DO NOTHING");
            return await command.ExecuteNonQueryAsync(token);
        }, cancellationToken);

    public Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken) =>
        BoundedAsync(token => UpdateCoreAsync(userId, update, token), cancellationToken);

    private async Task<bool> UpdateCoreAsync(string userId, UserUpdate update, CancellationToken cancellationToken)
    {
        if (!CanBeStored(userId))
        {
            return false;
        }
        await using var command = _dataSource.CreateCommand(UserTable.Update);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)update.Nickname ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)update.FaceUrl ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)update.Extra ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)update.GlobalRecvMsgOpt ?? DBNull.Value });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        // A filter with text that cannot be stored matches nobody. Its parameter is then bound but not referenced,
        // and Npgsql sends only the parameters a statement references.
        var where = UserTable.Where(filter, Dialect);
        return PageAsync($"SELECT {Columns} FROM users{where}", $"SELECT COUNT(*) FROM users{where}", skip, take, ReadUser,
            command =>
            {
                command.Parameters.AddWithValue(UserTable.UserIdParameter, filter.UserIdContains ?? "");
                command.Parameters.AddWithValue(UserTable.NicknameParameter, filter.NicknameContains ?? "");
            }, cancellationToken);
    }

    public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken) =>
        PageAsync("SELECT user_id FROM users", "SELECT COUNT(*) FROM users", skip, take, r => r.GetString(0), _ => { }, cancellationToken);

    public Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken) =>
        BoundedAsync(async token =>
        {
            await using var command = _dataSource.CreateCommand(IdsAfterSql);
            command.Parameters.AddWithValue("after", after);
            command.Parameters.AddWithValue("take", take);
            return await UserIdRun.ReadAsync(command, after, token);
        }, cancellationToken);

    public string Name => "postgres";

    /// <summary>Readiness: <c>SELECT 1</c> on a pooled connection, given one second (the shortest command timeout).</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        command.CommandTimeout = 1;
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>
    /// One store call, bounded by the timeout: a PostgreSQL that hangs (its process stopped, its sockets open) must
    /// not hold a request longer, nor the requests behind it. Npgsql is cancelled then, and the caller is answered
    /// at once, while Npgsql may still wait for the server to confirm the cancellation (its CancellationTimeout)
    /// before it breaks the connection, in the background.
    /// </summary>
    private async Task<T> BoundedAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        var running = call(deadline.Token);
        try
        {
            return await running.WaitAsync(deadline.Token);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Whatever Npgsql made of the cancellation (OperationCanceledException, or a broken connection), it was ours.
            throw new NpgsqlException($"timed out after {(long)_timeout.TotalMilliseconds} ms", new TimeoutException(ex.Message, ex));
        }
        finally
        {
            if (running.IsCompleted)
            {
                deadline.Dispose();
            }
            else
            {
                // Npgsql still holds the token: dispose it once Npgsql is done, and observe how that ended.
                _ = running.ContinueWith(static (ended, source) =>
                {
                    _ = ended.Exception;
                    ((IDisposable)source!).Dispose();
                }, deadline, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private Task<UserPage<T>> PageAsync<T>(string select, string count, int skip, int take,
        Func<NpgsqlDataReader, T> read, Action<NpgsqlCommand> bind, CancellationToken cancellationToken) =>
        BoundedAsync(token => PageCoreAsync(select, count, skip, take, read, bind, token), cancellationToken);

    private async Task<UserPage<T>> PageCoreAsync<T>(string select, string count, int skip, int take,
        Func<NpgsqlDataReader, T> read, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the total and the page.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = new NpgsqlCommand(count, connection, transaction);
        bind(command);
        var total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var items = new List<T>();
        if (take > 0 && skip < total)
        {
            command.CommandText = select + PageSql;
            command.Parameters.AddWithValue("take", take);
            command.Parameters.AddWithValue("skip", skip);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(read(reader));
            }
        }
        return new UserPage<T>(total, items);
    }

    private static NpgsqlCommand InsertCommand(NpgsqlConnection connection, IReadOnlyList<UserRecord> users, string conflict)
    {
        var command = new NpgsqlCommand($"""
            INSERT INTO users ({Columns})
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::bigint[])
            {conflict}
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.UserId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.Nickname).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.FaceUrl).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.Extra).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.AppMangerLevel).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.GlobalRecvMsgOpt).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = users.Select(u => u.CreateTime).ToArray() });
        return command;
    }

    // Text with U+0000 must not even be sent: PostgreSQL fails the whole statement, which the server would answer as
    // a store outage (and RegisteredUsers would fail every lookup batched with it). No stored text contains it.
    private static bool CanBeStored(string text) => UserRules.CanBeStored(text);

    private static UserRecord ReadUser(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetInt32(4), reader.GetInt32(5), reader.GetInt64(6));
}
