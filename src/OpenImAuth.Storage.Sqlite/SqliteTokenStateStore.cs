using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Token state on the embedded database, in three parts: the <see cref="TokenLog"/> in the file is the truth, the
/// <see cref="TokenMirror"/> holds every live token in memory so that checking a token never reads the disk, and the
/// <see cref="TokenOverlay"/> is what writes decide from (memory plus what the open transaction changed) and what they
/// append. This class joins them: reads go to the mirror, writes take <see cref="CommitAsync"/>.
/// </summary>
public sealed class SqliteTokenStateStore : ITokenStateStore
{
    private readonly SqliteWriter _writer;
    private readonly TimeProvider _time;
    private readonly TokenMirror _mirror = new();
    private readonly TokenLog _log;
    private readonly TokenOverlay _overlay;

    // Made once: a method group passed as a delegate is a new delegate on every login.
    private readonly Action<List<TokenLog.Appended>?> _applyCommitted;
    private readonly Action<List<TokenLog.Moved>> _moveRows;
    private readonly Func<SqliteWriter, List<TokenLog.Moved>> _compactOldest;

    private SqliteTokenStateStore(SqliteDatabase database, TimeProvider time, TokenLogLimits limits)
    {
        _writer = database.Writer;
        _time = time;
        _log = new TokenLog(_writer, _mirror, time, limits);
        _overlay = new TokenOverlay(_mirror, _log);
        _applyCommitted = _mirror.Apply;
        _moveRows = _mirror.MoveRows;
        _compactOldest = _ => _log.CompactOldest(_overlay);
    }

    /// <summary>
    /// Loads every unexpired token from the log, then rewrites the log to one row per token if it holds more than
    /// twice as many rows as tokens (plus a floor).
    /// </summary>
    public static Task<SqliteTokenStateStore> OpenAsync(SqliteDatabase database, TimeProvider time, CancellationToken cancellationToken) =>
        OpenAsync(database, time, TokenLogLimits.Default, cancellationToken);

    internal static async Task<SqliteTokenStateStore> OpenAsync(
        SqliteDatabase database, TimeProvider time, TokenLogLimits limits, CancellationToken cancellationToken)
    {
        var store = new SqliteTokenStateStore(database, time, limits);
        await store._log.ReplayAsync(database, cancellationToken);
        store._writer.TransactionEnded += store.OnTransactionEnded;
        if (store._log.IsOverLimit)
        {
            await store._writer.WriteAsync(_ => store._log.Rewrite(), store._moveRows);
        }
        return store;
    }

    public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_mirror.Find(userId, platformId, token) is { } found ? found.Status : (int?)null);

    public Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredToken>>(_mirror.ToStored(userId)); // kept in the contract's order

    public async Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken) =>
        await CommitAsync(_ => _overlay.Apply(change)) is not null;

    public async Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        (await CommitAsync(_ => _overlay.KickPlatform(userId, platformId))).ConvertAll(row => row.State);

    public async Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        (await CommitAsync(_ => _overlay.KickToken(userId, platformId, token))) is [var kicked] ? kicked.State : null;

    public ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_mirror.Find(userId, platformId, token) is { IssuedAtMs: > 0 } found ? found.IssuedAtMs : (long?)null);

    public async Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken) =>
        (await GetUserTokensAsync(userId, cancellationToken)).Where(t => t.IssuedAtMs > 0)
            .ToDictionary(t => t.Token, t => t.IssuedAtMs, StringComparer.Ordinal);

    /// <summary>
    /// Forgets the tokens expired by now, in memory once every write queued before has committed. Nothing is written
    /// for them: replay drops expired tokens by itself, and compaction drops the rows of tokens no longer in memory.
    /// </summary>
    public async Task<int> ForgetExpiredAsync(CancellationToken cancellationToken) =>
        (await _writer.WriteAsync(_ => _mirror.ExpiredBy(_time.GetUtcNow().ToUnixTimeSeconds()), _mirror.Forget)).Count;

    /// <summary>
    /// The one path of every token write, all of it on the writer thread, in this order:
    /// <list type="number">
    /// <item>in the writer's open transaction (shared by every write queued meanwhile), <paramref name="append"/>
    /// decides from the overlay and appends its rows to the log;</item>
    /// <item>the transaction commits, one fsync for the whole group; as it ends, <see cref="OnTransactionEnded"/>
    /// drops the overlay and settles the log's account;</item>
    /// <item>then, write by write in commit order, the very rows each appended are applied to the mirror.</item>
    /// </list>
    /// Why: memory must always equal the replay of the committed log, so a row reaches memory only once it is on
    /// disk, and exactly as replay applies it; and a token check, which reads only memory, never sees a token whose
    /// transaction could still roll back. A rolled-back batch applies nothing, and its writes are retried alone.
    /// </summary>
    private Task<TRows> CommitAsync<TRows>(Func<SqliteWriter, TRows> append) where TRows : List<TokenLog.Appended>? =>
        _writer.WriteAsync<TRows>(append, _applyCommitted);

    /// <summary>
    /// On the writer, as each transaction ends and before its writes' rows reach the mirror: the overlay dropped (a
    /// rolled-back batch must leave nothing for the writes then retried alone), the log's account settled, and
    /// compaction queued as a write of its own when the log has grown past its limit.
    /// </summary>
    private void OnTransactionEnded(bool committed)
    {
        _overlay.Clear();
        if (_log.EndTransaction(committed))
        {
            // A compaction that fails changes nothing and is queued again once the log has grown further; its error
            // is observed here only so that it is not reported as unobserved. A closing writer takes no more writes.
            _ = _writer.TryWriteAsync(_compactOldest, _moveRows)?.ContinueWith(
                static failed => _ = failed.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
