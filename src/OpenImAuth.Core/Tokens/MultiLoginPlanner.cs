namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Decides which live tokens a new login kicks (docs/decisions.md, W7). OpenIM picks survivors in Go map order, which is random;
/// here candidates are ordered by issuance so that the newest token always survives (D6).
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
        var ordered = InIssuanceOrder(live); // stable: equal iat keeps store order
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

    /// <summary>
    /// The platforms whose tokens decide what a login on <paramref name="newPlatformId"/> kicks: its own group under
    /// <paramref name="policy"/>. Tokens elsewhere are kicked only as extras of their own group (two live tokens where
    /// the policy keeps one), which a plan then writes to, so a store checks those platforms too.
    /// </summary>
    public static PlatformSet DecidingPlatforms(MultiLoginPolicy policy, int newPlatformId) => policy switch
    {
        MultiLoginPolicy.NoKick or MultiLoginPolicy.AllLoginButSameTermKick => PlatformSet.Of(newPlatformId),
        MultiLoginPolicy.AllLoginButSameClassKick =>
            PlatformSet.Where(p => Platforms.ClassOf(p) == Platforms.ClassOf(newPlatformId)).With(newPlatformId),
        MultiLoginPolicy.PCAndOther =>
            PlatformSet.Where(p => p != Platforms.Admin && Platforms.ClassOf(p) != PlatformClass.PC).With(newPlatformId),
        _ => PlatformSet.All,
    };

    private static List<StoredToken> KickBeyondLimit(IReadOnlyList<StoredToken> ordered, int newPlatformId, int maxNumOneEnd)
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

    /// <summary>
    /// Within each group keep only the newest token; in the new token's own group keep none. Groups are taken in the
    /// order they first appear; plain loops rather than LINQ's grouping, as this runs on every login and a user has
    /// a handful of tokens.
    /// </summary>
    private static List<StoredToken> KickAllButNewest<TKey>(
        IReadOnlyList<StoredToken> ordered, Func<StoredToken, TKey> groupOf, TKey ownGroup)
    {
        var comparer = EqualityComparer<TKey>.Default;
        var kick = new List<StoredToken>();
        for (var first = 0; first < ordered.Count; first++)
        {
            var key = groupOf(ordered[first]);
            if (AppearsBefore(ordered, groupOf, key, first))
            {
                continue; // this group was taken at its first token
            }
            StoredToken? newest = null; // the group's latest token so far, kicked once a later one shows up
            for (var i = first; i < ordered.Count; i++)
            {
                if (!comparer.Equals(groupOf(ordered[i]), key))
                {
                    continue;
                }
                if (newest is not null)
                {
                    kick.Add(newest);
                }
                newest = ordered[i];
            }
            if (comparer.Equals(key, ownGroup))
            {
                kick.Add(newest!);
            }
        }
        return Oldest(kick);
    }

    private static bool AppearsBefore<TKey>(IReadOnlyList<StoredToken> ordered, Func<StoredToken, TKey> groupOf, TKey key, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (EqualityComparer<TKey>.Default.Equals(groupOf(ordered[i]), key))
            {
                return true;
            }
        }
        return false;
    }

    private static List<StoredToken> KickForPCAndOther(IReadOnlyList<StoredToken> ordered, int newPlatformId)
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

    private static List<StoredToken> Oldest(List<StoredToken> kick)
    {
        SortStablyByIssuance(kick);
        return kick;
    }

    /// <summary><paramref name="tokens"/> as they are when already in issuance order (the store's contract), else a sorted copy.</summary>
    private static IReadOnlyList<StoredToken> InIssuanceOrder(IReadOnlyList<StoredToken> tokens)
    {
        for (var i = 1; i < tokens.Count; i++)
        {
            if (tokens[i - 1].IssuedAt > tokens[i].IssuedAt)
            {
                var copy = new List<StoredToken>(tokens);
                SortStablyByIssuance(copy);
                return copy;
            }
        }
        return tokens;
    }

    /// <summary>Insertion sort: stable, so equal iat keeps its order, and linear on the nearly sorted lists seen here.</summary>
    private static void SortStablyByIssuance(List<StoredToken> tokens)
    {
        for (var i = 1; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var j = i - 1;
            while (j >= 0 && tokens[j].IssuedAt > token.IssuedAt)
            {
                tokens[j + 1] = tokens[j];
                j--;
            }
            tokens[j + 1] = token;
        }
    }
}
