using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// The durable half of the embedded token store: the token_log table, an append-only log in which each row is the
/// full state of one token (a put) or a <see cref="Tombstone"/> that forgets it, and a token's last row wins. Added
/// and kicked tokens are puts; removed ones are tombstones. It appends the rows of writes, replays the file into a
/// <see cref="TokenMirror"/> at open, and compacts the file: whole at open, its oldest chunk as it grows. To compact
/// without reading the file back it keeps an account of the committed log, which the open transaction's rows join
/// only if it commits (<see cref="EndTransaction"/>). Used only on the writer, or while opening.
/// </summary>
internal sealed class TokenLog
{
    /// <summary>The status of a log row that forgets its token (a removal); never a status a token has.</summary>
    internal const int Tombstone = -1;

    private const string InsertRow =
        "INSERT INTO token_log (token, user_id, platform_id, status, issued_at, expires_at, issued_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    private readonly SqliteWriter _writer;
    private readonly TokenMirror _mirror;
    private readonly TimeProvider _time;
    private readonly TokenLogLimits _limits;

    // Every row of the committed log, oldest first, as its seq and its user. A row is its token's last one exactly
    // while memory holds a token of that user logged at that seq, so compaction knows which rows to carry forward
    // without reading them back from the file (re-reading them was about a sixth of the server's CPU when a few users
    // log in again and again). 16 bytes a row, the user's ID shared with memory: the log holds at most about twice
    // the live tokens.
    private readonly Queue<LogRow> _committed = new();

    // The open transaction's part: the rows it appended, how many of the oldest committed rows it deleted, and how
    // many rows it appended for writes (not for compaction). Joined to the account if it commits, dropped as it ends.
    private readonly List<LogRow> _pendingRows = [];
    private int _pendingDeletions;
    private long _pendingAppends;

    // The rows writes ever appended, and how many of those there were when compaction was last due.
    private long _appends;
    private long _appendsAtCompaction;

    public TokenLog(SqliteWriter writer, TokenMirror mirror, TimeProvider time, TokenLogLimits limits)
    {
        _writer = writer;
        _mirror = mirror;
        _time = time;
        _limits = limits;
    }

    /// <summary>Whether the committed log has more rows than its limit allows for the tokens memory holds.</summary>
    public bool IsOverLimit => _limits.IsExceeded(_committed.Count, _mirror.Count);

    /// <summary>While opening: every row in log order into memory, then the tokens that have expired by now out of it.</summary>
    public async Task ReplayAsync(SqliteDatabase database, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenReaderAsync(cancellationToken))
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
                _committed.Enqueue(new LogRow(seq, userId));
            }
        }
        _mirror.Forget(_mirror.ExpiredBy(_time.GetUtcNow().ToUnixTimeSeconds()));
    }

    /// <summary>
    /// In a write: appends <paramref name="row"/> and adds it, with its seq, to <paramref name="rows"/>, the rows the
    /// write applies to memory once committed. Returns <paramref name="row"/>.
    /// </summary>
    public StoredToken Append(List<Appended> rows, StoredToken row)
    {
        var seq = Insert(row);
        _pendingAppends++;
        rows.Add(new Appended(seq, row));
        return row;
    }

    /// <summary>In a write, at start-up: the whole log replaced by one put per token in memory, in its order.</summary>
    public List<Moved> Rewrite()
    {
        _writer.Command("DELETE FROM token_log").ExecuteNonQuery();
        _pendingDeletions = _committed.Count;
        var moved = new List<Moved>(_mirror.Count);
        foreach (var (userId, tokens) in _mirror.Users())
        {
            foreach (var token in tokens)
            {
                moved.Add(new Moved(userId, token.Seq, Insert(token.ToStored(userId))));
            }
        }
        return moved;
    }

    /// <summary>
    /// In a write of its own: deletes the oldest chunk of the committed log after appending afresh the current state
    /// of each token whose last row is in it and which is still live and unexpired, so that replay finds the same
    /// tokens as before. Rows of tokens removed since, superseded rows and tombstones simply go. Rows that earlier
    /// writes of the same transaction appended are newer than every committed one, so they stay; a token such a write
    /// changed or removed (as <paramref name="overlay"/> shows) is not carried forward in its committed state.
    /// Returns the tokens carried forward.
    /// </summary>
    public List<Moved> CompactOldest(TokenOverlay overlay)
    {
        var moved = new List<Moved>();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var deletedEarlier = _pendingDeletions; // by an earlier compaction in this transaction
        var taken = 0;
        long last = 0;
        foreach (var row in _committed)
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
                    if (overlay.Keeps(row.UserId, state))
                    {
                        moved.Add(new Moved(row.UserId, row.Seq, Insert(state)));
                    }
                    break;
                }
            }
        }
        var deleted = _writer.Command("DELETE FROM token_log WHERE seq <= $1", last).ExecuteNonQuery();
        if (deleted != taken)
        {
            // The account no longer matches the file: deleting on would risk a live token's only row. Failing leaves
            // the log to grow until the next start-up, which rebuilds the account from the file.
            throw new InvalidOperationException($"token log compaction deleted {deleted} rows where it expected {taken}");
        }
        _pendingDeletions += taken;
        return moved;
    }

    /// <summary>
    /// As a transaction ends: its rows joined to the account if it committed, and dropped either way. Returns whether
    /// compaction is due now: the log is over its limit and writes appended half a chunk since it was last due.
    /// </summary>
    public bool EndTransaction(bool committed)
    {
        if (committed)
        {
            for (var i = 0; i < _pendingDeletions; i++)
            {
                _committed.Dequeue();
            }
            foreach (var row in _pendingRows)
            {
                _committed.Enqueue(row);
            }
            _appends += _pendingAppends;
        }
        _pendingRows.Clear();
        _pendingDeletions = 0;
        _pendingAppends = 0;
        if (committed && _appends - _appendsAtCompaction >= _limits.Chunk / 2 && IsOverLimit)
        {
            _appendsAtCompaction = _appends;
            return true;
        }
        return false;
    }

    private long Insert(StoredToken row)
    {
        var seq = _writer.Statement(InsertRow)
            .Bind(1, row.Token).Bind(2, row.UserId).Bind(3, row.PlatformId).Bind(4, row.Status)
            .Bind(5, row.IssuedAt).Bind(6, row.ExpiresAt).Bind(7, row.IssuedAtMs)
            .Insert();
        _pendingRows.Add(new LogRow(seq, _mirror.KeyOf(row.UserId)));
        return seq;
    }

    /// <summary>A row a write appended: its place in the file, and the token state it holds (or its tombstone).</summary>
    internal readonly record struct Appended(long Seq, StoredToken State);

    /// <summary>A user's token whose last row compaction carried forward, from one place in the file to another.</summary>
    internal readonly record struct Moved(string UserId, long From, long To);

    /// <summary>A row of the committed log: its place in the file, and whose token state (or tombstone) it holds.</summary>
    private readonly record struct LogRow(long Seq, string UserId);
}
