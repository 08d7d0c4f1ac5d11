using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// What token writes decide from, and what they decide: users' tokens as the open transaction sees them, memory
/// (<see cref="TokenMirror"/>) overlaid with what earlier writes of the same transaction changed, and the rows each
/// write appends to the <see cref="TokenLog"/> for the change it asks. Writes never read the file. Used only on the
/// writer; <see cref="Clear"/> as each transaction ends, so that a rolled-back batch leaves nothing behind for the
/// writes then retried alone.
/// </summary>
internal sealed class TokenOverlay(TokenMirror mirror, TokenLog log)
{
    // The users whose tokens the open transaction read or changed, as it left them.
    private readonly Dictionary<string, List<StoredToken>> _pending = new(StringComparer.Ordinal);

    /// <summary>
    /// The user's tokens as the open transaction sees them, to read and to change: written out of memory at first,
    /// index for index, then kept for the rest of the transaction.
    /// </summary>
    public List<StoredToken> View(string userId)
    {
        if (!_pending.TryGetValue(userId, out var tokens))
        {
            tokens = mirror.ToStored(userId); // only the writer changes memory
            _pending[userId] = tokens;
        }
        return tokens;
    }

    /// <summary>
    /// Whether the open transaction leaves the user's committed token <paramref name="committed"/> as it is: it has
    /// not looked at the user, or still holds that very state.
    /// </summary>
    public bool Keeps(string userId, StoredToken committed) =>
        !_pending.TryGetValue(userId, out var tokens) || tokens.Contains(committed);

    /// <summary>Forgets the open transaction's view, as it ends.</summary>
    public void Clear() => _pending.Clear();

    /// <summary>In a write: appends the rows of <paramref name="change"/>, or returns <c>null</c> if its basis is stale.</summary>
    public List<TokenLog.Appended>? Apply(TokenStateChange change)
    {
        if (change.Basis is { } basis && !Matches(View(change.UserId), basis, change.CheckedPlatforms))
        {
            return null;
        }
        var rows = new List<TokenLog.Appended>(change.Removed.Count + change.Kicked.Count + 1);
        foreach (var removed in change.Removed)
        {
            var index = IndexOf(View(removed.UserId), removed);
            if (index >= 0)
            {
                var tokens = Changing(removed.UserId);
                log.Append(rows, tokens[index] with { Status = TokenLog.Tombstone });
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
                tokens[index] = log.Append(rows, tokens[index] with { Status = TokenStatus.Kicked });
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
            log.Append(rows, added);
        }
        return rows;
    }

    /// <summary>In a write: kicks every unkicked token of (user, platform), as the open transaction sees them.</summary>
    public List<TokenLog.Appended> KickPlatform(string userId, int platformId)
    {
        var rows = new List<TokenLog.Appended>();
        var view = View(userId);
        List<StoredToken>? tokens = null;
        for (var i = 0; i < view.Count; i++)
        {
            if (view[i].PlatformId == platformId && view[i].Status != TokenStatus.Kicked)
            {
                tokens ??= Changing(userId); // the view itself, the transaction's own copy
                tokens[i] = log.Append(rows, tokens[i] with { Status = TokenStatus.Kicked });
            }
        }
        return rows;
    }

    /// <summary>In a write: kicks one token of (user, platform) unless it is kicked already or unknown.</summary>
    public List<TokenLog.Appended> KickToken(string userId, int platformId, string token)
    {
        var rows = new List<TokenLog.Appended>(1);
        var view = View(userId);
        for (var i = 0; i < view.Count; i++)
        {
            if (view[i].PlatformId == platformId && view[i].Token == token && view[i].Status != TokenStatus.Kicked)
            {
                var tokens = Changing(userId);
                tokens[i] = log.Append(rows, tokens[i] with { Status = TokenStatus.Kicked });
                break;
            }
        }
        return rows;
    }

    /// <summary>The user's tokens in the open transaction, to change (the view is the transaction's own copy).</summary>
    private List<StoredToken> Changing(string userId) => View(userId);

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
