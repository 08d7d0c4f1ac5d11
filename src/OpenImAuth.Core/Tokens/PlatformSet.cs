namespace OpenImAuth.Core.Tokens;

/// <summary>A set of OpenIM platform IDs, one bit each: cheap to build and test on every login.</summary>
public readonly record struct PlatformSet(int Bits)
{
    /// <summary>Every platform from <see cref="Platforms.Min"/> to <see cref="Platforms.Max"/>.</summary>
    public static PlatformSet All { get; } = new(((1 << (Platforms.Max + 1)) - 1) & ~((1 << Platforms.Min) - 1));

    public static PlatformSet Of(int platformId) => default(PlatformSet).With(platformId);

    /// <summary>The platforms for which <paramref name="belongs"/> holds.</summary>
    public static PlatformSet Where(Func<int, bool> belongs)
    {
        var set = default(PlatformSet);
        for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
        {
            set = belongs(platform) ? set.With(platform) : set;
        }
        return set;
    }

    public bool Contains(int platformId) => Platforms.IsValid(platformId) && (Bits & (1 << platformId)) != 0;

    /// <summary>This set and <paramref name="platformId"/>; an ID outside OpenIM's range adds nothing.</summary>
    public PlatformSet With(int platformId) => Platforms.IsValid(platformId) ? new(Bits | (1 << platformId)) : this;

    /// <summary>This set and the platform of each of <paramref name="tokens"/>.</summary>
    public PlatformSet With(IReadOnlyList<StoredToken> tokens)
    {
        var set = this;
        for (var i = 0; i < tokens.Count; i++)
        {
            set = set.With(tokens[i].PlatformId);
        }
        return set;
    }
}
