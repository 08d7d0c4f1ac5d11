using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// When the token log is compacted: once it holds more than twice as many rows as there are live tokens, plus
/// <paramref name="Floor"/>, its oldest <paramref name="Chunk"/> rows at a time, at most once per half a chunk of
/// rows appended by writes (so that a chunk of rows that are all still live, moved to the end, does not make every
/// following batch compact again).
/// </summary>
internal sealed record TokenLogLimits(int Floor, int Chunk)
{
    public static TokenLogLimits Default { get; } = new(Floor: 10_000, Chunk: 4096);

    public bool IsExceeded(long rows, long liveTokens) => rows > 2 * liveTokens + Floor;
}

// The log: each row of token_log is the full state of one token (a put) or a tombstone, and a token's last row
// wins. Added and kicked tokens are puts; removed ones are tombstones. Between start-up and shutdown the writer
// keeps the view of the open transaction (memory plus what its earlier writes changed) and the log's row count.
public sealed partial class SqliteTokenStateStore
{
    /// <summary>The status of a log row that forgets its token (a removal); never a status a token has.</summary>
    internal const int Tombstone = -1;

    private const string InsertRow =
        "INSERT INTO token_log (token, user_id, platform_id, status, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";

    private static readonly List<StoredToken> NoTokens = [];

    private readonly TokenLogLimits _limits;

    // Made once: a method group passed as a delegate is a new delegate on every login.
    private readonly Action<List<StoredToken>?> _applyCommitted;

    // Only on the writer: the users whose tokens the open transaction changed, as it left them, and the rows it
    // added to the log (net of deletions) and appended for writes (not for compaction). All dropped as it ends.
    private readonly Dictionary<string, List<StoredToken>> _pending = new(StringComparer.Ordinal);
    private long _pendingRows;
    private long _pendingAppends;

    // Only on the writer (or while opening): the committed log's row count, the rows writes ever appended to it,
    // how many of those there were when compaction was last queued, and the live tokens in memory.
    private long _logRows;
    private long _appends;
    private long _appendsAtCompaction;
    private int _liveTokens;

    private SqliteTokenStateStore(SqliteDatabase database, TimeProvider time, TokenLogLimits limits)
    {
        _database = database;
        _time = time;
        _limits = limits;
        _applyCommitted = ApplyCommitted;
    }

    internal static async Task<SqliteTokenStateStore> OpenAsync(
        SqliteDatabase database, TimeProvider time, TokenLogLimits limits, CancellationToken cancellationToken)
    {
        var store = new SqliteTokenStateStore(database, time, limits);
        await store.ReplayAsync(cancellationToken);
        database.Writer.TransactionEnded += store.OnTransactionEnded;
        if (limits.IsExceeded(store._logRows, store._liveTokens))
        {
            await database.Writer.WriteAsync(store.Rewrite);
        }
        return store;
    }

    /// <summary>Every row in log order into memory, then the tokens that have expired by now out of it.</summary>
    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _database.OpenReaderAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT token, user_id, platform_id, status, issued_at, expires_at FROM token_log ORDER BY seq";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                Apply(new StoredToken(reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                    reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5)));
                _logRows++;
            }
        }
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var (token, stored) in _byToken)
        {
            if (stored.ExpiresAt <= now)
            {
                Forget(token);
            }
        }
        foreach (var (userId, tokens) in _byUser)
        {
            if (tokens.Count == 0)
            {
                _byUser.TryRemove(userId, out _);
            }
        }
    }

    /// <summary>On the writer, at start-up: the whole log replaced by one put per token in memory, in its order.</summary>
    private int Rewrite(SqliteWriter writer)
    {
        _pendingRows -= writer.Command("DELETE FROM token_log").ExecuteNonQuery();
        foreach (var tokens in _byUser.Values)
        {
            foreach (var token in tokens)
            {
                Insert(writer, token);
            }
        }
        return 0;
    }

    /// <summary>The user's tokens as the open transaction sees them. Not to be changed: see <see cref="Changing"/>.</summary>
    private List<StoredToken> View(string userId) =>
        _pending.TryGetValue(userId, out var pending) ? pending
        : _byUser.TryGetValue(userId, out var committed) ? committed // only the writer changes it, so no lock here
        : NoTokens;

    /// <summary>The user's tokens in the open transaction, to change: a copy of memory's, index for index, at first.</summary>
    private List<StoredToken> Changing(string userId)
    {
        if (!_pending.TryGetValue(userId, out var tokens))
        {
            tokens = [.. View(userId)];
            _pending[userId] = tokens;
        }
        return tokens;
    }

    /// <summary>Appends <paramref name="row"/> for a write, which applies <paramref name="rows"/> once committed.</summary>
    private StoredToken Append(SqliteWriter writer, List<StoredToken> rows, StoredToken row)
    {
        Insert(writer, row);
        _pendingAppends++;
        rows.Add(row);
        return row;
    }

    private void Insert(SqliteWriter writer, StoredToken row)
    {
        writer.Statement(InsertRow)
            .Bind(1, row.Token).Bind(2, row.UserId).Bind(3, row.PlatformId).Bind(4, row.Status)
            .Bind(5, row.IssuedAt).Bind(6, row.ExpiresAt)
            .Execute();
        _pendingRows++;
    }

    /// <summary>
    /// On the writer, as a transaction ends and before its writes' after-commit actions: its view is dropped (a
    /// rolled-back batch must leave nothing for the writes then retried alone), its rows counted if it committed,
    /// and compaction queued when the log has grown past its limit.
    /// </summary>
    private void OnTransactionEnded(bool committed)
    {
        _pending.Clear();
        if (committed)
        {
            _logRows += _pendingRows;
            _appends += _pendingAppends;
        }
        _pendingRows = 0;
        _pendingAppends = 0;
        if (committed && _appends - _appendsAtCompaction >= _limits.Chunk / 2 && _limits.IsExceeded(_logRows, _liveTokens))
        {
            _appendsAtCompaction = _appends;
            // A compaction that fails changes nothing and is queued again once the log has grown further; its error
            // is observed here only so that it is not reported as unobserved. A closing writer takes no more writes.
            _ = _database.Writer.TryWriteAsync(CompactOldest)?.ContinueWith(
                static failed => _ = failed.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// On the writer, as a write of its own: deletes the oldest chunk of the log after appending afresh the current
    /// state of each token in it that is still live and unexpired, so that replay finds the same tokens as before.
    /// Rows of tokens removed since, superseded rows and tombstones simply go. Returns the rows deleted.
    /// </summary>
    private int CompactOldest(SqliteWriter writer)
    {
        var chunk = new List<(string Token, string UserId)>(_limits.Chunk);
        long last = 0;
        using (var reader = writer.Command("SELECT seq, token, user_id FROM token_log ORDER BY seq LIMIT $1", _limits.Chunk).ExecuteReader())
        {
            while (reader.Read())
            {
                last = reader.GetInt64(0);
                chunk.Add((reader.GetString(1), reader.GetString(2)));
            }
        }
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (token, userId) in chunk)
        {
            var tokens = View(userId);
            var index = IndexOf(tokens, token);
            if (seen.Add(token) && index >= 0 && tokens[index].ExpiresAt > now)
            {
                Insert(writer, tokens[index]);
            }
        }
        var deleted = writer.Command("DELETE FROM token_log WHERE seq <= $1", last).ExecuteNonQuery();
        _pendingRows -= deleted;
        return deleted;
    }
}
