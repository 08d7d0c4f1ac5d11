using System.Diagnostics;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Server.Hosting;

/// <summary>A token store whose calls are timed (checks sampled); labelled <c>store</c> = <paramref name="storeName"/>.</summary>
internal sealed class MeteredTokenStateStore(ITokenStateStore inner, string storeName) : ITokenStateStore
{
    private readonly StoreOperation _check = new(storeName, "check");
    private readonly StoreOperation _tokens = new(storeName, "user_tokens");
    private readonly StoreOperation _basis = new(storeName, "planning_basis");
    private readonly StoreOperation _issue = new(storeName, "issue");
    private readonly StoreOperation _sweep = new(storeName, "sweep");
    private readonly StoreOperation _kick = new(storeName, "kick");
    private readonly StoreOperation _issuedAt = new(storeName, "issued_at");

    public bool AnnouncesKicks => inner.AnnouncesKicks;

    /// <summary>
    /// Checks are the hot path of every authenticated request, and recording one into the histogram cost about 1.4 µs
    /// of a 25 µs parse_token (2 cores, measured): only one check in <see cref="CheckSampling"/> of each thread is
    /// timed (its first among them), which keeps the latency distribution and costs under 0.2 µs.
    /// </summary>
    public const int CheckSampling = 8;

    [ThreadStatic]
    private static uint t_checks;

    public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        t_checks++ % CheckSampling != 0
            ? inner.GetStatusAsync(userId, platformId, token, cancellationToken)
            : _check.Time(Stopwatch.GetTimestamp(), inner.GetStatusAsync(userId, platformId, token, cancellationToken));

    public Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken) =>
        _tokens.Time(Stopwatch.GetTimestamp(), inner.GetUserTokensAsync(userId, cancellationToken));

    public Task<IReadOnlyList<StoredToken>> GetPlanningBasisAsync(string userId, CancellationToken cancellationToken) =>
        _basis.Time(Stopwatch.GetTimestamp(), inner.GetPlanningBasisAsync(userId, cancellationToken));

    /// <summary>Only issuance applies changes (a login's token with the kicks it plans): labelled <c>issue</c>.</summary>
    public Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken) =>
        _issue.Time(Stopwatch.GetTimestamp(), inner.ApplyAsync(change, cancellationToken));

    public Task<int> ForgetExpiredAsync(CancellationToken cancellationToken) =>
        _sweep.Time(Stopwatch.GetTimestamp(), inner.ForgetExpiredAsync(cancellationToken));

    public Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        _kick.Time(Stopwatch.GetTimestamp(), inner.KickPlatformAsync(userId, platformId, cancellationToken));

    public Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        _kick.Time(Stopwatch.GetTimestamp(), inner.KickTokenAsync(userId, platformId, token, cancellationToken));

    public ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        _issuedAt.Time(Stopwatch.GetTimestamp(), inner.GetIssuedAtMsAsync(userId, platformId, token, cancellationToken));

    public Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken) =>
        _issuedAt.Time(Stopwatch.GetTimestamp(), inner.GetIssuanceTimesAsync(userId, cancellationToken));
}
