namespace OpenImAuth.Core.Tokens;

/// <summary>OpenIM's multi-login policies that OpenImAuth implements (constant.go: DefalutNotKick … PCAndOther).</summary>
public enum MultiLoginPolicy
{
    /// <summary>0: keep every login, up to <c>maxNumOneEnd</c> tokens per platform.</summary>
    NoKick = 0,

    /// <summary>1: one token per platform; a new login replaces the one on its own platform.</summary>
    AllLoginButSameTermKick = 1,

    /// <summary>4: one token per platform class; a new login replaces every token of its own class.</summary>
    AllLoginButSameClassKick = 4,

    /// <summary>5: PC logins coexist with each other and with one non-PC login.</summary>
    PCAndOther = 5,
}

/// <summary>
/// Decides which live tokens a new login kicks (spec §4.3). OpenIM picks survivors in Go map order, which is random;
/// here candidates are ordered by issuance so that the newest token always survives (decision 6).
/// </summary>
public static class MultiLoginPlanner
{
    /// <summary>
    /// The tokens to kick, oldest first, when a token for <paramref name="newPlatformId"/> is issued and
    /// <paramref name="live"/> are the user's valid, unkicked tokens (admin tokens excluded).
    /// </summary>
    public static IReadOnlyList<StoredToken> Plan(
        MultiLoginPolicy policy, int maxNumOneEnd, int newPlatformId, IReadOnlyList<StoredToken> live)
    {
        if (live.Count == 0 && Enum.IsDefined(policy))
        {
            return []; // the common first login; an unknown policy still fails below
        }
        var ordered = live.OrderBy(t => t.IssuedAt).ToList(); // stable: equal iat keeps store order
        return policy switch
        {
            MultiLoginPolicy.NoKick => KickBeyondLimit(ordered, newPlatformId, maxNumOneEnd),
            MultiLoginPolicy.AllLoginButSameTermKick => KickAllButNewest(ordered, t => t.PlatformId, newPlatformId),
            MultiLoginPolicy.AllLoginButSameClassKick =>
                KickAllButNewest(ordered, t => Platforms.ClassOf(t.PlatformId), Platforms.ClassOf(newPlatformId)),
            MultiLoginPolicy.PCAndOther => KickForPCAndOther(ordered, newPlatformId),
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown multi-login policy"),
        };
    }

    private static List<StoredToken> KickBeyondLimit(List<StoredToken> ordered, int newPlatformId, int maxNumOneEnd)
    {
        var kick = new List<StoredToken>();
        foreach (var platform in ordered.GroupBy(t => t.PlatformId))
        {
            var tokens = platform.ToList();
            var count = tokens.Count + (platform.Key == newPlatformId ? 1 : 0);
            kick.AddRange(tokens.Take(Math.Max(0, count - maxNumOneEnd)));
        }
        return Oldest(kick);
    }

    /// <summary>Within each group keep only the newest token; in the new token's own group keep none.</summary>
    private static List<StoredToken> KickAllButNewest<TKey>(
        List<StoredToken> ordered, Func<StoredToken, TKey> groupOf, TKey ownGroup)
    {
        var kick = new List<StoredToken>();
        foreach (var group in ordered.GroupBy(groupOf))
        {
            var tokens = group.ToList();
            var keep = EqualityComparer<TKey>.Default.Equals(group.Key, ownGroup) ? 0 : 1;
            kick.AddRange(tokens.Take(tokens.Count - keep));
        }
        return Oldest(kick);
    }

    private static List<StoredToken> KickForPCAndOther(List<StoredToken> ordered, int newPlatformId)
    {
        var nonPc = ordered.Where(t => Platforms.ClassOf(t.PlatformId) != PlatformClass.PC).ToList();
        if (Platforms.ClassOf(newPlatformId) != PlatformClass.PC)
        {
            return nonPc;
        }
        // A PC login keeps one non-PC companion, preferring the newest Android token as OpenIM prefers Android.
        var survivor = nonPc.LastOrDefault(t => t.PlatformId == Platforms.Android) ?? nonPc.LastOrDefault();
        return nonPc.Where(t => !ReferenceEquals(t, survivor)).ToList();
    }

    private static List<StoredToken> Oldest(List<StoredToken> kick) => kick.OrderBy(t => t.IssuedAt).ToList();
}
