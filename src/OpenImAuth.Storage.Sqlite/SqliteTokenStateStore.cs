using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Token state on the embedded database, mirrored in memory (<see cref="TokenMirror"/>) so that checking a token never
/// reads the disk.
/// The file is the truth: an append-only log of token states, replayed into memory at start-up. After that, memory
/// is changed only once a write has committed, by the writer in commit order and by applying the very rows the write
/// appended, so memory always equals the replay of the committed log. Writes decide from memory as well (overlaid
/// with what earlier writes of the same open transaction changed) and never read the file.
/// </summary>
public sealed partial class SqliteTokenStateStore : ITokenStateStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly TokenMirror _mirror = new();

    /// <summary>
    /// Loads every unexpired token from the log, then rewrites the log to one row per token if it holds more than
    /// twice as many rows as tokens (plus a floor).
    /// </summary>
    public static Task<SqliteTokenStateStore> OpenAsync(SqliteDatabase database, TimeProvider time, CancellationToken cancellationToken) =>
        OpenAsync(database, time, TokenLogLimits.Default, cancellationToken);

    public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(userId, platformId, token) is { } found ? found.Status : (int?)null);

    public Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredToken>>(Materialize(userId, _mirror.Get(userId))); // kept in the contract's order

    public async Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken) =>
        await _database.Writer.WriteAsync(w => Write(w, change), _applyCommitted) is not null;

    public async Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        (await _database.Writer.WriteAsync(w => KickPlatform(w, userId, platformId), _applyCommitted)).ConvertAll(row => row.State);

    public async Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        (await _database.Writer.WriteAsync(w => KickToken(w, userId, platformId, token), _applyCommitted)) is [var kicked] ? kicked.State : null;

    public ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(userId, platformId, token) is { IssuedAtMs: > 0 } found ? found.IssuedAtMs : (long?)null);

    public async Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken) =>
        (await GetUserTokensAsync(userId, cancellationToken)).Where(t => t.IssuedAtMs > 0)
            .ToDictionary(t => t.Token, t => t.IssuedAtMs, StringComparer.Ordinal);

    public async Task<int> ForgetExpiredAsync(CancellationToken cancellationToken) =>
        (await _database.Writer.WriteAsync(_ => ExpiredByNow(), ForgetCommitted)).Count;

    /// <summary>The user's token on that platform as memory holds it, if it does.</summary>
    private MirroredToken? Find(string userId, int platformId, string token)
    {
        foreach (var held in _mirror.Get(userId))
        {
            if (held.PlatformId == platformId && held.Is(userId, token))
            {
                return held;
            }
        }
        return null;
    }

    private static List<StoredToken> Materialize(string userId, MirroredToken[] tokens)
    {
        var stored = new List<StoredToken>(tokens.Length);
        foreach (var token in tokens)
        {
            stored.Add(token.ToStored(userId));
        }
        return stored;
    }

    /// <summary>
    /// On the writer: the users holding tokens that have expired by now. Nothing is written for them: replay drops
    /// expired tokens by itself, and compaction drops the rows of tokens no longer in memory.
    /// </summary>
    private ExpiredTokens ExpiredByNow()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var expired = new ExpiredTokens(now, []);
        foreach (var (userId, tokens) in _mirror.Users())
        {
            var count = tokens.Count(token => token.ExpiresAt <= now);
            if (count > 0)
            {
                expired.Users.Add(userId);
                expired.Count += count;
            }
        }
        return expired;
    }

    /// <summary>After commit, on the writer: the expired tokens forgotten (a user left without any goes too).</summary>
    private void ForgetCommitted(ExpiredTokens expired)
    {
        foreach (var userId in expired.Users)
        {
            _mirror.Set(userId, [.. _mirror.Get(userId).Where(token => token.ExpiresAt > expired.Now)]);
        }
    }

    private sealed record ExpiredTokens(long Now, List<string> Users)
    {
        public int Count { get; set; }
    }

    /// <summary>On the writer: appends the rows of <paramref name="change"/>, or returns <c>null</c> if its basis is stale.</summary>
    private List<Appended>? Write(SqliteWriter writer, TokenStateChange change)
    {
        if (change.Basis is { } basis && !Matches(View(change.UserId), basis, change.CheckedPlatforms))
        {
            return null;
        }
        var rows = new List<Appended>(change.Removed.Count + change.Kicked.Count + 1);
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
    private List<Appended> KickPlatform(SqliteWriter writer, string userId, int platformId)
    {
        var rows = new List<Appended>();
        var view = View(userId);
        List<StoredToken>? tokens = null;
        for (var i = 0; i < view.Count; i++)
        {
            if (view[i].PlatformId == platformId && view[i].Status != TokenStatus.Kicked)
            {
                tokens ??= Changing(userId); // the view itself, the transaction's own copy
                tokens[i] = Append(writer, rows, tokens[i] with { Status = TokenStatus.Kicked });
            }
        }
        return rows;
    }

    /// <summary>On the writer: kicks one token of (user, platform) unless it is kicked already or unknown.</summary>
    private List<Appended> KickToken(SqliteWriter writer, string userId, int platformId, string token)
    {
        var rows = new List<Appended>(1);
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
    private void ApplyCommitted(List<Appended>? rows)
    {
        foreach (var row in rows ?? [])
        {
            _mirror.Apply(row.State, row.Seq, row.State.Status == Tombstone);
        }
    }

    /// <summary>
    /// Where <paramref name="sought"/>'s token is in <paramref name="tokens"/>, or -1. A caller may hold the very object
    /// the transaction's view holds (a token an earlier step of the same write found), found without comparing texts.
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
}
