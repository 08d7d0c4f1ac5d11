namespace OpenImAuth.Core.Tokens;

/// <summary>OpenIM's token statuses (constant.NormalToken … ExpiredToken). Only 0 and 2 are ever written.</summary>
public static class TokenStatus
{
    public const int Normal = 0;
    public const int Invalid = 1;
    public const int Kicked = 2;
    public const int Expired = 3;
}

/// <summary>
/// One issued token and its state. <see cref="IssuedAt"/> and <see cref="ExpiresAt"/> are Unix seconds taken from the
/// token's own claims, so a backend that stores only OpenIM's (token → status) layout can still recover them.
/// </summary>
public sealed record StoredToken(string Token, string UserId, int PlatformId, int Status, long IssuedAt, long ExpiresAt)
{
    /// <summary>
    /// When the token was issued, in Unix milliseconds, as this service recorded it (0 when unknown: a token written
    /// by a Go OpenIM node, or read from a store that keeps it apart). Revocation marks compare with it, since a
    /// mark and a token of the same second are told apart only by it (docs/decisions.md, D14).
    /// </summary>
    public long IssuedAtMs { get; init; }

    /// <summary>
    /// Whether this is the token <paramref name="token"/>, issued at <paramref name="issuedAt"/>. Equal texts carry equal
    /// claims, and a stored token's issuance time is its claim's, so the time is compared first: one user's tokens share
    /// their first hundred characters, which every text comparison would otherwise walk.
    /// </summary>
    public bool Is(string token, long issuedAt) => IssuedAt == issuedAt && Token == token;

    /// <summary>
    /// The order every store answers a user's tokens in: oldest issuance first, tokens of one second by their ordinal
    /// text, so that a plan keeping the newest of a group keeps the same token on every store and after a restart.
    /// Platform last: a token another writer put into two platforms' hashes still sorts the same way every time.
    /// </summary>
    public static readonly Comparison<StoredToken> OldestFirst = static (a, b) =>
    {
        var order = a.IssuedAt.CompareTo(b.IssuedAt);
        if (order == 0)
        {
            order = string.CompareOrdinal(a.Token, b.Token);
        }
        return order != 0 ? order : a.PlatformId.CompareTo(b.PlatformId);
    };
}

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

/// <summary>
/// Durable token state: which tokens were issued to whom, and whether each is still good.
/// A write returns only once its state is durable (docs/decisions.md, D12) and visible to every later read.
/// </summary>
public interface ITokenStateStore
{
    /// <summary>
    /// The stored status of <paramref name="token"/> issued to (<paramref name="userId"/>, <paramref name="platformId"/>),
    /// or <c>null</c> if no such token is stored. This is the hot path of every authenticated request.
    /// </summary>
    ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken);

    /// <summary>Every stored token of the user on every platform, in <see cref="StoredToken.OldestFirst"/> order.</summary>
    Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// The user's tokens to plan an issuance from. A store may answer from what it last wrote or read, without a round
    /// trip, when its <see cref="ApplyAsync"/> checks the basis: an answer stale where the plan's check looks only costs
    /// a rejected apply, after which the store answers with what it found. Elsewhere it may stay stale: it decides no
    /// kick there, but the kicked tokens it holds count towards <see cref="TokenService.MaxKickedKept"/>.
    /// </summary>
    Task<IReadOnlyList<StoredToken>> GetPlanningBasisAsync(string userId, CancellationToken cancellationToken) =>
        GetUserTokensAsync(userId, cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> atomically: all of it or none of it is stored. Returns <c>false</c>, storing
    /// nothing, when the change has a <see cref="TokenStateChange.Basis"/> that no longer matches the store.
    /// </summary>
    Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <see cref="ApplyAsync"/> itself announces the tokens a change kicks on the revocation bus, in the same
    /// atomic step as the write (one round trip fewer per kicking login); otherwise the caller publishes them.
    /// </summary>
    bool AnnouncesKicks => false;

    /// <summary>
    /// Forgets the tokens that have expired by now; returns how many. A store that keeps every token until its user
    /// logs in again (the embedded store's memory) would otherwise hold those of users who never come back; one whose
    /// backend expires keys by itself (Redis) has nothing to do, as OpenIM leaves expired fields to the next login.
    /// </summary>
    Task<int> ForgetExpiredAsync(CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>Marks every token of (user, platform) kicked; returns the tokens whose status changed.</summary>
    Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken);

    /// <summary>Marks one token kicked; returns it as it was, or null when the store does not hold it (or it was kicked already).</summary>
    Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken);

    /// <summary>
    /// When <paramref name="token"/> was issued (Unix milliseconds) as the store recorded it (<see cref="StoredToken.IssuedAtMs"/>),
    /// or null when it recorded nothing for it. Read only when a revocation mark falls near the token's <c>iat</c>.
    /// </summary>
    ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken);

    /// <summary>The recorded issuance times (Unix milliseconds) of the user's tokens, by token; those with none recorded are absent.</summary>
    Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken);
}
