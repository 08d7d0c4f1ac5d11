using System.Runtime.InteropServices;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// The embedded store's memory of every live token: per user, one array of <see cref="MirroredToken"/> in
/// <see cref="StoredToken.OldestFirst"/> order, under the user's ID. No object per token, so a million live tokens are
/// a few hundred thousand objects for the collector rather than millions, and a token in OpenIM's exact layout takes
/// its 32-byte signature instead of its text (docs/benchmarks.md, Cost growth). Only the writer changes it, by
/// replacing a user's array whole, so a reader that took an array holds a consistent snapshot without a lock. It
/// changes as replay applies the log's rows, and after that only by the very rows a write committed to the log
/// (<see cref="SqliteTokenStateStore"/> says in which order), so it always equals the replay of the committed log.
/// </summary>
internal sealed class TokenMirror
{
    private const int Stripes = 64;

    // A Dictionary per stripe, not one ConcurrentDictionary: its entries are structs in one array, about a third of
    // the memory of a node object per user, and a read takes its stripe's lock for a lookup only.
    private readonly Dictionary<string, User>[] _stripes =
        Enumerable.Range(0, Stripes).Select(_ => new Dictionary<string, User>(StringComparer.Ordinal)).ToArray();

    /// <summary>How many tokens it holds. Only on the writer.</summary>
    public int Count { get; private set; }

    /// <summary>The user's tokens, oldest first; empty when it holds none. Never changed once given out.</summary>
    public MirroredToken[] Get(string userId)
    {
        var users = _stripes[StripeOf(userId)];
        lock (users)
        {
            return users.TryGetValue(userId, out var user) ? user.Tokens : [];
        }
    }

    /// <summary>
    /// The very string the user's tokens are kept under, or <paramref name="userId"/> when it holds none: what the
    /// log's rows keep, so that a user's rows share one string instead of one each.
    /// </summary>
    public string KeyOf(string userId)
    {
        var users = _stripes[StripeOf(userId)];
        lock (users)
        {
            return users.TryGetValue(userId, out var user) ? user.Id : userId;
        }
    }

    /// <summary>Only on the writer: replaces the user's tokens (an empty array forgets the user).</summary>
    public void Set(string userId, MirroredToken[] tokens)
    {
        var users = _stripes[StripeOf(userId)];
        lock (users)
        {
            if (tokens.Length == 0)
            {
                if (users.Remove(userId, out var removed))
                {
                    Count -= removed.Tokens.Length;
                }
                return;
            }
            // Changed in place, so that the key stays the string the log's rows share.
            ref var user = ref CollectionsMarshal.GetValueRefOrAddDefault(users, userId, out var exists);
            Count += tokens.Length - (exists ? user.Tokens.Length : 0);
            user = new User(exists ? user.Id : userId, tokens);
        }
    }

    /// <summary>Only on the writer: every user and their tokens, a stripe at a time.</summary>
    public IEnumerable<KeyValuePair<string, MirroredToken[]>> Users()
    {
        foreach (var users in _stripes)
        {
            User[] copy;
            lock (users)
            {
                copy = [.. users.Values];
            }
            foreach (var user in copy)
            {
                yield return new(user.Id, user.Tokens);
            }
        }
    }

    /// <summary>Where the user's token <paramref name="token"/>, issued at <paramref name="issuedAt"/>, is in <paramref name="tokens"/>, or -1.</summary>
    public static int IndexOf(MirroredToken[] tokens, string userId, string token, long issuedAt)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            if (tokens[i].IssuedAt == issuedAt && tokens[i].Is(userId, token))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The user's token on that platform, if it holds it.</summary>
    public MirroredToken? Find(string userId, int platformId, string token)
    {
        foreach (var held in Get(userId))
        {
            if (held.PlatformId == platformId && held.Is(userId, token))
            {
                return held;
            }
        }
        return null;
    }

    /// <summary>The user's tokens written out, oldest first: a list of the caller's own.</summary>
    public List<StoredToken> ToStored(string userId)
    {
        var tokens = Get(userId);
        var stored = new List<StoredToken>(tokens.Length);
        foreach (var token in tokens)
        {
            stored.Add(token.ToStored(userId));
        }
        return stored;
    }

    /// <summary>Only on the writer: the users holding tokens that have expired by <paramref name="now"/> (Unix seconds).</summary>
    public ExpiredTokens ExpiredBy(long now)
    {
        var expired = new ExpiredTokens(now, []);
        foreach (var (userId, tokens) in Users())
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

    /// <summary>Only on the writer: the tokens of <paramref name="expired"/> forgotten (a user left without any goes too).</summary>
    public void Forget(ExpiredTokens expired)
    {
        foreach (var userId in expired.Users)
        {
            Set(userId, [.. Get(userId).Where(token => token.ExpiresAt > expired.Now)]);
        }
    }

    /// <summary>Only on the writer, after their commit: the rows a write appended, applied in their order.</summary>
    public void Apply(List<TokenLog.Appended>? rows)
    {
        foreach (var row in rows ?? [])
        {
            Apply(row.State, row.Seq, row.State.Status == TokenLog.Tombstone);
        }
    }

    /// <summary>
    /// Only on the writer: <paramref name="row"/> (a put or a tombstone, appended at <paramref name="seq"/>) applied to
    /// the user's tokens, as replay applies it. A new state of a token keeps its place: its text is signed over its
    /// times and platform, so those never change. A new token is nearly always the newest, so its place is sought from the end.
    /// </summary>
    public void Apply(StoredToken row, long seq, bool tombstone)
    {
        var tokens = Get(row.UserId);
        var index = IndexOf(tokens, row.UserId, row.Token, row.IssuedAt);
        if (tombstone)
        {
            if (index >= 0)
            {
                Set(row.UserId, [.. tokens.AsSpan(0, index), .. tokens.AsSpan(index + 1)]);
            }
            return;
        }
        if (index >= 0)
        {
            var changed = tokens.ToArray();
            changed[index] = tokens[index].With(row.Status, row.IssuedAtMs, seq);
            Set(row.UserId, changed);
            return;
        }
        var added = MirroredToken.From(row, seq);
        var at = tokens.Length;
        while (at > 0 && MirroredToken.OldestFirst(row.UserId, tokens[at - 1], added) > 0)
        {
            at--;
        }
        Set(row.UserId, [.. tokens.AsSpan(0, at), added, .. tokens.AsSpan(at)]);
    }

    /// <summary>Only on the writer: the user's token last logged at <paramref name="from"/> now last logged at <paramref name="to"/>.</summary>
    public void MoveRow(string userId, long from, long to)
    {
        var tokens = Get(userId);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (tokens[i].Seq == from)
            {
                var changed = tokens.ToArray();
                changed[i] = tokens[i].With(tokens[i].Status, tokens[i].IssuedAtMs, to);
                Set(userId, changed);
                return;
            }
        }
    }

    /// <summary>Only on the writer, after their commit: the tokens whose rows compaction carried forward, at their new rows.</summary>
    public void MoveRows(List<TokenLog.Moved> moved)
    {
        foreach (var (userId, from, to) in moved)
        {
            MoveRow(userId, from, to);
        }
    }

    /// <summary>The users holding tokens expired by <see cref="Now"/>, and how many tokens those are.</summary>
    internal sealed record ExpiredTokens(long Now, List<string> Users)
    {
        public int Count { get; set; }
    }

    /// <summary>A user's tokens, and the string they are kept under.</summary>
    private readonly record struct User(string Id, MirroredToken[] Tokens);

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % Stripes);
}
