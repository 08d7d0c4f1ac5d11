namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Everything one token issuance or revocation changes for one user, applied atomically.
/// <see cref="Kicked"/> tokens get status <see cref="TokenStatus.Kicked"/>; <see cref="Removed"/> tokens are forgotten.
/// When <see cref="Basis"/> is set (the user's tokens the change was planned from), the change applies only if the
/// user's stored tokens and statuses on the platforms of <see cref="BasisPlatforms"/> (every platform when null) are
/// still exactly the basis's there: optimistic concurrency between instances. A plan states the platforms its
/// decision depends on plus every platform it writes to, so another writer's change elsewhere does not refuse it.
/// </summary>
public sealed record TokenStateChange(
    string UserId,
    StoredToken? Added,
    IReadOnlyList<StoredToken> Kicked,
    IReadOnlyList<StoredToken> Removed,
    IReadOnlyList<StoredToken>? Basis = null,
    PlatformSet? BasisPlatforms = null)
{
    /// <summary>
    /// The platforms whose hashes the basis check covers: <see cref="BasisPlatforms"/> and, whatever it says, every
    /// platform the change writes to, so that no write lands on a platform the check did not cover.
    /// </summary>
    public PlatformSet CheckedPlatforms =>
        (BasisPlatforms ?? PlatformSet.All).With(Removed).With(Kicked).With(Added is { } added ? added.PlatformId : 0);
}
