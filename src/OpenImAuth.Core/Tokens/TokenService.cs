using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Revocation;

namespace OpenImAuth.Core.Tokens;

/// <summary>Issues, checks and revokes tokens: the codec plus the token state store plus the multi-login policy.</summary>
public sealed partial class TokenService(AuthOptions options, ITokenStateStore store, TimeProvider time, IRevocationBus revocations,
    RevocationMarks? marks = null)
{
    /// <summary>A token service of one instance alone, whose revocations are announced in-process.</summary>
    public TokenService(AuthOptions options, ITokenStateStore store, TimeProvider time)
        : this(options, store, time, new LocalRevocationBus())
    {
    }

    // Issuance reads a user's tokens, plans kicks and writes them back; per-user serialisation keeps two
    // concurrent logins of one user from each keeping a token the other kicked. Striped to bound memory, with
    // stripes enough that logins of different users rarely share one: a login that waits for another's stripe
    // waits out that login's whole write, a group commit's fsync on the embedded store. With 64 stripes, 64 logins
    // in flight collided more often than not; 4,096 (about 200 KB) made embedded logins 11 % faster, measured.
    private const int UserLockStripes = 4096;
    private readonly UserLocks _userLocks = new(UserLockStripes);
    private const int MaxIssueAttempts = 16;

    /// <summary>How many revoked tokens of a user keep answering 1506 (kicked) instead of 1507 (unknown).</summary>
    public const int MaxKickedKept = 8;
    private readonly TokenCodec _codec = new(options.Keyring);

    public AuthOptions Options => options;

    /// <summary>Where revocations (kicked by multi-login or force_logout) are announced once they are durable.</summary>
    public IRevocationBus Revocations => revocations;

    public Task<string> IssueAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        IssueAsync(userId, platformId, lifetime: null, onKicked: null, cancellationToken);

    /// <summary>
    /// Issues a token that lives <paramref name="lifetime"/> from its <c>iat</c> (a lifetime the caller asked for,
    /// within <see cref="AuthOptions.MaxExpireSeconds"/>), or the configured lifetime from now, as OpenIM does, when null.
    /// <paramref name="onKicked"/>, when given, is told the tokens the multi-login policy kicked, once that is durable
    /// (for the audit trail, which must not learn of a kick that did not happen).
    /// </summary>
    public async Task<string> IssueAsync(string userId, int platformId, TimeSpan? lifetime,
        Action<IReadOnlyList<StoredToken>>? onKicked, CancellationToken cancellationToken)
    {
        var stripe = _userLocks.StripeOf(userId);
        await _userLocks.EnterAsync(stripe, cancellationToken);
        Exception? failure = null;
        try
        {
            // The lock serialises this instance; the basis check catches other instances (and Go nodes) that
            // changed the user's tokens between our read and our write, and then we plan again.
            for (var attempt = 0; attempt < MaxIssueAttempts; attempt++)
            {
                var existing = await store.GetPlanningBasisAsync(userId, cancellationToken);
                var (change, token) = PlanIssue(userId, platformId, lifetime, existing);
                if (await store.ApplyAsync(change, cancellationToken))
                {
                    OpenImAuthMetrics.TokenIssued(platformId);
                    if (change.Kicked.Count > 0)
                    {
                        OpenImAuthMetrics.TokensKicked(KickReason.MultiLogin, change.Kicked.Count);
                        onKicked?.Invoke(change.Kicked);
                        if (!store.AnnouncesKicks)
                        {
                            await revocations.PublishAsync(change.Kicked, cancellationToken);
                        }
                    }
                    return token;
                }
            }
            throw new InvalidOperationException($"the tokens of user {userId} kept changing during {MaxIssueAttempts} attempts to issue one");
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            _userLocks.Exit(stripe, failure);
        }
    }

    private (TokenStateChange Change, string Token) PlanIssue(string userId, int platformId, TimeSpan? lifetime,
        IReadOnlyList<StoredToken> existing)
    {
        var now = time.GetUtcNow();
        var signed = SignUnique(userId, platformId, now, lifetime, existing);
        var token = signed.Token;
        var added = new StoredToken(token, userId, platformId, TokenStatus.Normal, signed.IssuedAt, signed.ExpiresAt)
        {
            IssuedAtMs = now.ToUnixTimeMilliseconds(),
        };
        var nowSeconds = now.ToUnixTimeSeconds();
        // Expired tokens are dropped, as OpenIM does at issuance. The newest MaxKickedKept kicked ones are kept, so
        // their holders get 1506 (kicked) rather than OpenIM's 1507 (unknown); older ones go, so that frequent
        // re-logins do not make every later issuance slower and the store larger for the whole token lifetime.
        // Plain loops, and lists only when there is something to put in them: most users have a token or two.
        var droppedKicked = KickedBeyondKept(existing, nowSeconds);
        List<StoredToken>? removed = null;
        List<StoredToken>? live = null;
        for (var i = 0; i < existing.Count; i++)
        {
            var t = existing[i];
            if (t.ExpiresAt <= nowSeconds || (t.Status != TokenStatus.Normal && droppedKicked?[i] == true))
            {
                (removed ??= []).Add(t);
            }
            else if (t.Status == TokenStatus.Normal && t.PlatformId != Platforms.Admin)
            {
                (live ??= []).Add(t);
            }
        }
        var isAdminToken = IsAdminToken(userId, platformId);
        var kicked = isAdminToken
            ? []
            : MultiLoginPlanner.Plan(options.MultiLoginPolicy, options.MaxNumOneEnd, platformId, live ?? []);
        // Only the platforms the plan depends on are checked when it is applied (the change adds those it writes to):
        // a login elsewhere meanwhile, through another instance, does not refuse it. It can change which of the
        // user's old kicked tokens count towards MaxKickedKept, which is bookkeeping, not who stays logged in.
        var deciding = isAdminToken ? PlatformSet.Of(platformId) : MultiLoginPlanner.DecidingPlatforms(options.MultiLoginPolicy, platformId);
        return (new TokenStateChange(userId, added, kicked, removed ?? [], existing, deciding), token);
    }

    /// <summary>
    /// Which of the unexpired revoked tokens are not among the newest <see cref="MaxKickedKept"/> (by issuance, store
    /// order among equals), by index into <paramref name="existing"/>; null when all of them are kept. The newest token
    /// of each platform is always kept: it is what tells <see cref="SignUnique"/> whether a second was signed before.
    /// </summary>
    private static bool[]? KickedBeyondKept(IReadOnlyList<StoredToken> existing, long nowSeconds)
    {
        var count = 0;
        for (var i = 0; i < existing.Count; i++)
        {
            count += IsUnexpiredRevoked(existing[i], nowSeconds) ? 1 : 0;
        }
        if (count <= MaxKickedKept)
        {
            return null;
        }
        var newestFirst = new int[count];
        count = 0;
        for (var i = 0; i < existing.Count; i++)
        {
            if (IsUnexpiredRevoked(existing[i], nowSeconds))
            {
                newestFirst[count++] = i;
            }
        }
        Array.Sort(newestFirst, (a, b) => existing[a].IssuedAt != existing[b].IssuedAt
            ? existing[b].IssuedAt.CompareTo(existing[a].IssuedAt)
            : a.CompareTo(b));
        var newestOfPlatform = NewestOfEachPlatform(existing);
        var dropped = new bool[existing.Count];
        for (var k = MaxKickedKept; k < newestFirst.Length; k++)
        {
            dropped[newestFirst[k]] = Array.IndexOf(newestOfPlatform, newestFirst[k]) < 0;
        }
        return dropped;

        static bool IsUnexpiredRevoked(StoredToken t, long nowSeconds) => t.Status != TokenStatus.Normal && t.ExpiresAt > nowSeconds;
    }

    /// <summary>By platform, the index of its token issued last (the later in store order among equals), or -1.</summary>
    private static int[] NewestOfEachPlatform(IReadOnlyList<StoredToken> existing)
    {
        var newest = new int[Platforms.Max + 1];
        Array.Fill(newest, -1);
        for (var i = 0; i < existing.Count; i++)
        {
            var platform = existing[i].PlatformId;
            if (platform is >= Platforms.Min and <= Platforms.Max
                && (newest[platform] < 0 || existing[i].IssuedAt >= existing[newest[platform]].IssuedAt))
            {
                newest[platform] = i;
            }
        }
        return newest;
    }

    /// <summary>
    /// Every login gets a token of its own (docs/decisions.md, D13). OpenIM's token is a function of user, platform and
    /// second, so a second login within one second would sign the bytes of the first, and bring it back to life if it
    /// was revoked. The plain token is signed when no token of the platform was
    /// issued in its second or later: stores keep each platform's newest token (see <see cref="KickedBeyondKept"/>),
    /// so then none ever was. Otherwise the token carries a random <c>jti</c> as well.
    /// </summary>
    private SignedToken SignUnique(string userId, int platformId, DateTimeOffset now, TimeSpan? lifetime,
        IReadOnlyList<StoredToken> existing)
    {
        var issuedAt = TokenCodec.IssuedAt(now, options.TokenFormat);
        var taken = false;
        for (var i = 0; i < existing.Count && !taken; i++)
        {
            taken = existing[i].PlatformId == platformId && existing[i].IssuedAt >= issuedAt;
        }
        return _codec.SignWithTimes(userId, platformId, now, lifetime ?? options.TokenLifetime, options.TokenFormat,
            taken ? TokenCodec.NewTokenId() : null, fromIssuedAt: lifetime is not null);
    }

    /// <summary>Checks signature, claims and stored state (docs/decisions.md, W5); never throws for a bad token.</summary>
    public async ValueTask<TokenCheck> CheckAsync(string token, CancellationToken cancellationToken)
    {
        var verification = _codec.Verify(token, time.GetUtcNow());
        if (!verification.IsValid)
        {
            return TokenCheck.Fail(verification.ErrorCode);
        }
        var claims = verification.Claims!;
        var status = await store.GetStatusAsync(claims.UserId, claims.PlatformId, token, cancellationToken);
        if (status == TokenStatus.Normal && marks is not null
            && (marks.IsLoaded || await LoadMarksAsync(marks, cancellationToken))
            && marks.BeforeMsFor(claims.UserId, claims.PlatformId, options.IsAdmin(claims.UserId)) is > 0 and var before
            && await IssuedBeforeAsync(claims, token, before, cancellationToken))
        {
            return TokenCheck.Fail(ErrorCodes.TokenKickedError);
        }
        return status switch
        {
            null => TokenCheck.Fail(ErrorCodes.TokenNotExistError),
            TokenStatus.Normal => new TokenCheck(claims, null),
            TokenStatus.Kicked => TokenCheck.Fail(ErrorCodes.TokenKickedError),
            _ => TokenCheck.Fail(ErrorCodes.TokenUnknownError),
        };
    }

    /// <summary>Kicks every token of (user, platform), admin tokens included; returns the tokens it revoked.</summary>
    public async Task<IReadOnlyList<StoredToken>> ForceLogoutAsync(string userId, int platformId, CancellationToken cancellationToken)
    {
        var stripe = _userLocks.StripeOf(userId);
        await _userLocks.EnterAsync(stripe, cancellationToken);
        Exception? failure = null;
        try
        {
            var revoked = await store.KickPlatformAsync(userId, platformId, cancellationToken);
            if (revoked.Count > 0)
            {
                OpenImAuthMetrics.TokensKicked(KickReason.ForceLogout, revoked.Count);
                await revocations.PublishAsync(revoked, cancellationToken);
            }
            return revoked;
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            _userLocks.Exit(stripe, failure);
        }
    }

    /// <summary>Admin tokens are never kicked by multi-login, and issuing one kicks nothing (docs/decisions.md, D6).</summary>
    private bool IsAdminToken(string userId, int platformId) => platformId == Platforms.Admin || options.IsAdmin(userId);
}
