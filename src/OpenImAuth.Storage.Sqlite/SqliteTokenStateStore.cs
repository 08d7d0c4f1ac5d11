using System.Collections.Concurrent;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Token state on the embedded database, mirrored in memory so that checking a token never reads the disk.
/// The file is the truth: an append-only log of token states, replayed into memory at start-up. After that, memory
/// is changed only once a write has committed, by the writer in commit order and by applying the very rows the write
/// appended, so memory always equals the replay of the committed log. Writes decide from memory as well (overlaid
/// with what earlier writes of the same open transaction changed) and never read the file.
/// </summary>
public sealed partial class SqliteTokenStateStore : ITokenStateStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, StoredToken> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<StoredToken>> _byUser = new(StringComparer.Ordinal);

    /// <summary>
    /// Loads every unexpired token from the log, then rewrites the log to one row per token if it holds more than
    /// twice as many rows as tokens (plus a floor).
    /// </summary>
    public static Task<SqliteTokenStateStore> OpenAsync(SqliteDatabase database, TimeProvider time, CancellationToken cancellationToken) =>
        OpenAsync(database, time, TokenLogLimits.Default, cancellationToken);

    public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_byToken.TryGetValue(token, out var stored) && stored.UserId == userId && stored.PlatformId == platformId
            ? stored.Status
            : (int?)null);

    public Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken)
    {
        if (!_byUser.TryGetValue(userId, out var tokens))
        {
            return Task.FromResult<IReadOnlyList<StoredToken>>([]);
        }
        lock (tokens)
        {
            return Task.FromResult<IReadOnlyList<StoredToken>>(tokens.ToArray()); // kept in the contract's order
        }
    }

    public async Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken) =>
        await _database.Writer.WriteAsync(w => Write(w, change), _applyCommitted) is not null;

    public async Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        await _database.Writer.WriteAsync(w => KickPlatform(w, userId, platformId), _applyCommitted);

    public async Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        (await _database.Writer.WriteAsync(w => KickToken(w, userId, platformId, token), _applyCommitted)) is [var kicked] ? kicked : null;

    public ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_byToken.TryGetValue(token, out var stored) && stored.UserId == userId && stored.PlatformId == platformId
            && stored.IssuedAtMs > 0
            ? stored.IssuedAtMs
            : (long?)null);

    public async Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken) =>
        (await GetUserTokensAsync(userId, cancellationToken)).Where(t => t.IssuedAtMs > 0)
            .ToDictionary(t => t.Token, t => t.IssuedAtMs, StringComparer.Ordinal);

    public async Task<int> ForgetExpiredAsync(CancellationToken cancellationToken) =>
        (await _database.Writer.WriteAsync(_ => ExpiredByNow(), ForgetCommitted)).Count;

    /// <summary>
    /// On the writer: the tokens in memory that have expired by now. Nothing is written for them: replay drops expired
    /// tokens by itself, and compaction drops the rows of tokens no longer in memory.
    /// </summary>
    private List<StoredToken> ExpiredByNow()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var expired = new List<StoredToken>();
        foreach (var (_, stored) in _byToken)
        {
            if (stored.ExpiresAt <= now)
            {
                expired.Add(stored);
            }
        }
        return expired;
    }

    /// <summary>After commit, on the writer: the expired tokens forgotten, and the users left without any.</summary>
    private void ForgetCommitted(List<StoredToken> expired)
    {
        foreach (var token in expired)
        {
            Forget(token.Token);
            if (_byUser.TryGetValue(token.UserId, out var tokens) && tokens.Count == 0)
            {
                _byUser.TryRemove(token.UserId, out _); // only the writer adds to a user's list, so it stays empty
            }
        }
    }

    /// <summary>On the writer: appends the rows of <paramref name="change"/>, or returns <c>null</c> if its basis is stale.</summary>
    private List<StoredToken>? Write(SqliteWriter writer, TokenStateChange change)
    {
        if (change.Basis is { } basis && !Matches(View(change.UserId), basis, change.CheckedPlatforms))
        {
            return null;
        }
        var rows = new List<StoredToken>(change.Removed.Count + change.Kicked.Count + 1);
        foreach (var removed in change.Removed)
        {
            var index = IndexOf(View(removed.UserId), removed);
            if (index >= 0)
            {
                var tokens = Changing(removed.UserId);
                Append(writer, rows, tokens[index] with { Status = Tombstone });
                tokens.RemoveAt(index);
            }
        }
        foreach (var kicked in change.Kicked)
        {
            var view = View(kicked.UserId);
            var index = IndexOf(view, kicked);
            if (index >= 0 && view[index].Status != TokenStatus.Kicked)
            {
                var tokens = Changing(kicked.UserId);
                tokens[index] = Append(writer, rows, tokens[index] with { Status = TokenStatus.Kicked });
            }
        }
        if (change.Added is { } added)
        {
            var tokens = Changing(added.UserId);
            var index = IndexOf(tokens, added);
            if (index >= 0)
            {
                tokens[index] = added;
            }
            else
            {
                tokens.Add(added);
            }
            Append(writer, rows, added);
        }
        return rows;
    }

    /// <summary>On the writer: kicks every unkicked token of (user, platform), as the open transaction sees them.</summary>
    private List<StoredToken> KickPlatform(SqliteWriter writer, string userId, int platformId)
    {
        var rows = new List<StoredToken>();
        var view = View(userId);
        List<StoredToken>? tokens = null;
        for (var i = 0; i < view.Count; i++)
        {
            if (view[i].PlatformId == platformId && view[i].Status != TokenStatus.Kicked)
            {
                tokens ??= Changing(userId); // a copy of view, index for index
                tokens[i] = Append(writer, rows, tokens[i] with { Status = TokenStatus.Kicked });
            }
        }
        return rows;
    }

    /// <summary>On the writer: kicks one token of (user, platform) unless it is kicked already or unknown.</summary>
    private List<StoredToken> KickToken(SqliteWriter writer, string userId, int platformId, string token)
    {
        var rows = new List<StoredToken>(1);
        var view = View(userId);
        for (var i = 0; i < view.Count; i++)
        {
            if (view[i].PlatformId == platformId && view[i].Token == token && view[i].Status != TokenStatus.Kicked)
            {
                var tokens = Changing(userId);
                tokens[i] = Append(writer, rows, tokens[i] with { Status = TokenStatus.Kicked });
                break;
            }
        }
        return rows;
    }

    /// <summary>
    /// Whether the user's tokens and statuses on <paramref name="platforms"/> are exactly those of
    /// <paramref name="basis"/> there: as many, and each with the same status. A basis is usually a copy of this very
    /// list, so one pass in order mostly settles it.
    /// </summary>
    private static bool Matches(List<StoredToken> tokens, IReadOnlyList<StoredToken> basis, PlatformSet platforms)
    {
        if (tokens.Count == basis.Count)
        {
            var same = 0;
            while (same < tokens.Count && tokens[same].Token == basis[same].Token && tokens[same].Status == basis[same].Status)
            {
                same++;
            }
            if (same == tokens.Count)
            {
                return true;
            }
        }
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in basis)
        {
            if (platforms.Contains(token.PlatformId))
            {
                expected[token.Token] = token.Status;
            }
        }
        var found = 0;
        foreach (var token in tokens)
        {
            if (!platforms.Contains(token.PlatformId))
            {
                continue;
            }
            if (!expected.TryGetValue(token.Token, out var status) || status != token.Status)
            {
                return false;
            }
            found++;
        }
        return found == expected.Count;
    }

    /// <summary>After commit, on the writer: the rows a write appended, applied to memory as replay applies them.</summary>
    private void ApplyCommitted(List<StoredToken>? rows)
    {
        foreach (var row in rows ?? [])
        {
            Apply(row);
        }
    }

    private void Apply(StoredToken row)
    {
        if (row.Status == Tombstone)
        {
            Forget(row.Token);
        }
        else
        {
            Remember(row);
        }
    }

    /// <summary>
    /// Where <paramref name="sought"/>'s token is in <paramref name="tokens"/>, or -1. Most callers hold the very object
    /// memory holds (a basis read from memory, a log row's state), which is found without comparing token texts.
    /// </summary>
    private static int IndexOf(List<StoredToken> tokens, StoredToken sought)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            if (ReferenceEquals(tokens[i], sought))
            {
                return i;
            }
        }
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Is(sought.Token, sought.IssuedAt))
            {
                return i;
            }
        }
        return -1;
    }

    // Memory is changed only on the writer (or while opening, before anyone else sees the store); readers take the
    // per-user lock, the writer takes it only to change a list.
    private void Remember(StoredToken token)
    {
        if (_byToken.TryAdd(token.Token, token))
        {
            _liveTokens++;
        }
        else
        {
            _byToken[token.Token] = token;
        }
        var tokens = _byUser.GetOrAdd(token.UserId, _ => []);
        lock (tokens)
        {
            Place(tokens, token);
        }
    }

    /// <summary>
    /// Puts <paramref name="token"/> into the user's list, kept in <see cref="StoredToken.OldestFirst"/> order so that a
    /// read answers it as it is and a basis copied from it matches it index for index (sorting on each read, and
    /// matching out of order, were a tenth of a login when 1,000 users logged in again and again). A new state of a
    /// token keeps its place: its text is signed over its times and platform, so those never change. A new token is
    /// nearly always the newest, so the search for its place starts at the end.
    /// </summary>
    private static void Place(List<StoredToken> tokens, StoredToken token)
    {
        var index = IndexOf(tokens, token);
        if (index >= 0)
        {
            tokens[index] = token;
            return;
        }
        var at = tokens.Count;
        while (at > 0 && StoredToken.OldestFirst(tokens[at - 1], token) > 0)
        {
            at--;
        }
        tokens.Insert(at, token);
    }

    private void Forget(string token)
    {
        if (_byToken.TryRemove(token, out var stored))
        {
            _liveTokens--;
            if (_byUser.TryGetValue(stored.UserId, out var tokens))
            {
                lock (tokens)
                {
                    var index = IndexOf(tokens, stored);
                    if (index >= 0)
                    {
                        tokens.RemoveAt(index);
                    }
                }
            }
        }
    }
}
