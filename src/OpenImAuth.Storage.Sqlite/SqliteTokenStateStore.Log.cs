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
        "INSERT INTO token_log (token, user_id, platform_id, status, issued_at, expires_at, issued_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    private readonly TokenLogLimits _limits;

    // Made once: a method group passed as a delegate is a new delegate on every login.
    private readonly Action<List<Appended>?> _applyCommitted;
    private readonly Action<List<Moved>> _moveRows;

    // Only on the writer: the users whose tokens the open transaction read or changed, as it left them; the rows it appended
    // to the log, and how many of the log's oldest committed rows it deleted; how many rows it appended for writes
    // (not for compaction). All dropped as it ends, and applied to the log below first if it committed.
    private readonly Dictionary<string, List<StoredToken>> _pending = new(StringComparer.Ordinal);
    private readonly List<LogRow> _pendingLog = [];
    private int _pendingDeletions;
    private long _pendingAppends;

    // Only on the writer (or while opening): every row of the committed log, oldest first, as its seq and its user.
    // A row is its token's last one exactly while memory holds a token of that user logged at that seq, so
    // compaction knows which rows to carry forward without reading them back from the file (re-reading them was
    // about a sixth of the server's CPU when a few users log in again and again). 16 bytes a row, the user's ID
    // shared with memory: the log holds at most about twice the live tokens.
    private readonly Queue<LogRow> _log = new();

    // Only on the writer (or while opening): the rows writes ever appended to the log, and how many of those there
    // were when compaction was last queued.
    private long _appends;
    private long _appendsAtCompaction;

    private SqliteTokenStateStore(SqliteDatabase database, TimeProvider time, TokenLogLimits limits)
    {
        _database = database;
        _time = time;
        _limits = limits;
        _applyCommitted = ApplyCommitted;
        _moveRows = MoveRows;
    }

    internal static async Task<SqliteTokenStateStore> OpenAsync(
        SqliteDatabase database, TimeProvider time, TokenLogLimits limits, CancellationToken cancellationToken)
    {
        var store = new SqliteTokenStateStore(database, time, limits);
        await store.ReplayAsync(cancellationToken);
        database.Writer.TransactionEnded += store.OnTransactionEnded;
        if (limits.IsExceeded(store._log.Count, store._mirror.Count))
        {
            await database.Writer.WriteAsync(store.Rewrite, store._moveRows);
        }
        return store;
    }

    /// <summary>Every row in log order into memory, then the tokens that have expired by now out of it.</summary>
    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _database.OpenReaderAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT seq, token, user_id, platform_id, status, issued_at, expires_at, issued_ms FROM token_log ORDER BY seq";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var userId = _mirror.KeyOf(reader.GetString(2));
                var row = new StoredToken(reader.GetString(1), userId, reader.GetInt32(3),
                    reader.GetInt32(4), reader.GetInt64(5), reader.GetInt64(6)) { IssuedAtMs = reader.GetInt64(7) };
                var seq = reader.GetInt64(0);
                _mirror.Apply(row, seq, row.Status == Tombstone);
                _log.Enqueue(new LogRow(seq, userId));
            }
        }
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var (userId, tokens) in _mirror.Users())
        {
            if (tokens.Any(token => token.ExpiresAt <= now))
            {
                _mirror.Set(userId, [.. tokens.Where(token => token.ExpiresAt > now)]);
            }
        }
    }

    /// <summary>On the writer, at start-up: the whole log replaced by one put per token in memory, in its order.</summary>
    private List<Moved> Rewrite(SqliteWriter writer)
    {
        writer.Command("DELETE FROM token_log").ExecuteNonQuery();
        _pendingDeletions = _log.Count;
        var moved = new List<Moved>(_mirror.Count);
        foreach (var (userId, tokens) in _mirror.Users())
        {
            foreach (var token in tokens)
            {
                moved.Add(new Moved(userId, token.Seq, Insert(writer, token.ToStored(userId))));
            }
        }
        return moved;
    }

    /// <summary>After commit, on the writer: the tokens whose rows compaction carried forward, now at their new rows.</summary>
    private void MoveRows(List<Moved> moved)
    {
        foreach (var (userId, from, to) in moved)
        {
            _mirror.MoveRow(userId, from, to);
        }
    }

    /// <summary>
    /// The user's tokens as the open transaction sees them, to read and to change: written out of memory at first,
    /// index for index, then kept for the rest of the transaction.
    /// </summary>
    private List<StoredToken> View(string userId)
    {
        if (!_pending.TryGetValue(userId, out var tokens))
        {
            tokens = Materialize(userId, _mirror.Get(userId)); // only the writer changes memory
            _pending[userId] = tokens;
        }
        return tokens;
    }

    /// <summary>The user's tokens in the open transaction, to change (the view is the transaction's own copy).</summary>
    private List<StoredToken> Changing(string userId) => View(userId);

    /// <summary>Appends <paramref name="row"/> for a write, which applies <paramref name="rows"/> once committed.</summary>
    private StoredToken Append(SqliteWriter writer, List<Appended> rows, StoredToken row)
    {
        var seq = Insert(writer, row);
        _pendingAppends++;
        rows.Add(new Appended(seq, row));
        return row;
    }

    private long Insert(SqliteWriter writer, StoredToken row)
    {
        var seq = writer.Statement(InsertRow)
            .Bind(1, row.Token).Bind(2, row.UserId).Bind(3, row.PlatformId).Bind(4, row.Status)
            .Bind(5, row.IssuedAt).Bind(6, row.ExpiresAt).Bind(7, row.IssuedAtMs)
            .Insert();
        _pendingLog.Add(new LogRow(seq, _mirror.KeyOf(row.UserId)));
        return seq;
    }

    /// <summary>
    /// On the writer, as a transaction ends and before its writes' after-commit actions: its view is dropped (a
    /// rolled-back batch must leave nothing for the writes then retried alone), its rows applied to the log if it
    /// committed, and compaction queued when the log has grown past its limit.
    /// </summary>
    private void OnTransactionEnded(bool committed)
    {
        _pending.Clear();
        if (committed)
        {
            for (var i = 0; i < _pendingDeletions; i++)
            {
                _log.Dequeue();
            }
            foreach (var row in _pendingLog)
            {
                _log.Enqueue(row);
            }
            _appends += _pendingAppends;
        }
        _pendingLog.Clear();
        _pendingDeletions = 0;
        _pendingAppends = 0;
        if (committed && _appends - _appendsAtCompaction >= _limits.Chunk / 2 && _limits.IsExceeded(_log.Count, _mirror.Count))
        {
            _appendsAtCompaction = _appends;
            // A compaction that fails changes nothing and is queued again once the log has grown further; its error
            // is observed here only so that it is not reported as unobserved. A closing writer takes no more writes.
            _ = _database.Writer.TryWriteAsync(CompactOldest, _moveRows)?.ContinueWith(
                static failed => _ = failed.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// On the writer, as a write of its own: deletes the oldest chunk of the committed log after appending afresh the
    /// current state of each token whose last row is in it and which is still live and unexpired, so that replay
    /// finds the same tokens as before. Rows of tokens removed since, superseded rows and tombstones simply go. Rows
    /// that earlier writes of the same transaction appended are newer than every committed one, so they stay; a token
    /// such a write changed or removed is not carried forward in its committed state. Returns the tokens carried forward.
    /// </summary>
    private List<Moved> CompactOldest(SqliteWriter writer)
    {
        var moved = new List<Moved>();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var deletedEarlier = _pendingDeletions; // by an earlier compaction in this transaction
        var taken = 0;
        long last = 0;
        foreach (var row in _log)
        {
            if (deletedEarlier > 0)
            {
                deletedEarlier--;
                continue;
            }
            if (taken == _limits.Chunk)
            {
                break;
            }
            taken++;
            last = row.Seq;
            foreach (var token in _mirror.Get(row.UserId))
            {
                if (token.Seq == row.Seq && token.ExpiresAt > now)
                {
                    var state = token.ToStored(row.UserId);
                    if (!_pending.TryGetValue(row.UserId, out var pending) || pending.Contains(state))
                    {
                        moved.Add(new Moved(row.UserId, row.Seq, Insert(writer, state)));
                    }
                    break;
                }
            }
        }
        var deleted = writer.Command("DELETE FROM token_log WHERE seq <= $1", last).ExecuteNonQuery();
        if (deleted != taken)
        {
            // Memory's account of the log no longer matches the file: deleting on would risk a live token's only row.
            // Failing leaves the log to grow until the next start-up, which rebuilds the account from the file.
            throw new InvalidOperationException($"token log compaction deleted {deleted} rows where it expected {taken}");
        }
        _pendingDeletions += taken;
        return moved;
    }

    /// <summary>A row of the token log: its place in the file, and whose token state (or tombstone) it holds.</summary>
    private readonly record struct LogRow(long Seq, string UserId);

    /// <summary>A row a write appended: its place in the file, and the token state it holds (or its tombstone).</summary>
    private readonly record struct Appended(long Seq, StoredToken State);

    /// <summary>A user's token whose last row compaction carried forward, from one place in the file to another.</summary>
    private readonly record struct Moved(string UserId, long From, long To);
}
