namespace OpenImAuth.Core.Tokens;

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
