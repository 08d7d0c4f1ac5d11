using OpenImAuth.Core.Revocation;

namespace OpenImAuth.Core.Tokens;

// Beyond OpenIM: revocation marks ("everything issued before T") and the revocation of one token.
public sealed partial class TokenService
{
    // Within this much of a mark, a token's iat (whole seconds, and backdated by 5 s in format B) cannot tell whether
    // it was issued before the mark: the issuance time the store recorded decides. Two seconds cover the iat's
    // rounding and a small clock difference between instances.
    private const long AmbiguityMs = 2000;
    private const long BackdatedByMs = 5000;

    /// <summary>The marks, when this service keeps them (every server does; some unit tests do not).</summary>
    public RevocationMarks? Marks => marks;

    /// <summary>
    /// Whether the token was issued before <paramref name="beforeMs"/>. Far from the mark, its iat says; near it, the
    /// time the store recorded at issuance; a token with none recorded (written by a Go node) counts as issued at its
    /// iat, so near a mark it is revoked rather than let through.
    /// </summary>
    private async ValueTask<bool> IssuedBeforeAsync(TokenClaims claims, string token, long beforeMs, CancellationToken cancellationToken)
    {
        // The layout is the token's own, not the profile's (a Go node or an earlier profile may have signed it): only
        // the backdated layout lacks nbf.
        var estimate = (claims.IssuedAt ?? 0) * 1000 + (claims.NotBefore is null ? BackdatedByMs : 0);
        if (estimate + AmbiguityMs < beforeMs)
        {
            return true;
        }
        if (estimate - AmbiguityMs >= beforeMs)
        {
            return false;
        }
        var recorded = await store.GetIssuedAtMsAsync(claims.UserId, claims.PlatformId, token, cancellationToken);
        return (recorded ?? estimate) < beforeMs;
    }

    /// <summary>
    /// Revokes every token of the scope issued before <paramref name="beforeMs"/>: the whole app when
    /// <paramref name="userId"/> is empty, one user, or one user's platform. Answers the mark in force (marks only move
    /// forward). Every instance hears of it and checks the gateway connections of the scope again.
    /// </summary>
    public async Task<RevocationMark> RevokeIssuedBeforeAsync(string userId, int platformId, long beforeMs, CancellationToken cancellationToken)
    {
        var marks = RequireMarks();
        var mark = await marks.Store.RaiseAsync(userId, platformId, beforeMs, cancellationToken);
        // In force here before the answer, not when the store's announcement comes back: the caller's next request
        // may come to this instance first.
        marks.Applied(mark);
        return mark;
    }

    /// <summary>Removes the scope's mark; false when it had none. Tokens kicked otherwise stay kicked.</summary>
    public async Task<bool> ClearRevocationAsync(string userId, int platformId, CancellationToken cancellationToken)
    {
        var marks = RequireMarks();
        var cleared = await marks.Store.ClearAsync(userId, platformId, cancellationToken);
        marks.Applied(new RevocationMark(userId, platformId, 0));
        return cleared;
    }

    /// <summary>Kicks one token (revoke_session) and announces it, so its connections close; null when it was not live.</summary>
    public async Task<StoredToken?> RevokeTokenAsync(StoredToken token, CancellationToken cancellationToken)
    {
        var stripe = _userLocks.StripeOf(token.UserId);
        await _userLocks.EnterAsync(stripe, cancellationToken);
        Exception? failure = null;
        try
        {
            var kicked = await store.KickTokenAsync(token.UserId, token.PlatformId, token.Token, cancellationToken);
            if (kicked is not null)
            {
                OpenImAuthMetrics.TokensKicked(KickReason.Revoke, 1);
                await revocations.PublishAsync([kicked], cancellationToken);
            }
            return kicked;
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

    /// <summary>The user's tokens as the store holds them, with the issuance times it recorded for them.</summary>
    public async Task<(IReadOnlyList<StoredToken> Tokens, IReadOnlyDictionary<string, long> IssuedAtMs)> GetUserTokensAsync(
        string userId, CancellationToken cancellationToken)
    {
        var tokens = await store.GetUserTokensAsync(userId, cancellationToken);
        var times = tokens.Count == 0 ? new Dictionary<string, long>() : await store.GetIssuanceTimesAsync(userId, cancellationToken);
        return (tokens, times);
    }

    /// <summary>Whether a live token is refused by a mark (a session's status "revoked").</summary>
    public async ValueTask<bool> IsRevokedByMarkAsync(StoredToken token, CancellationToken cancellationToken)
    {
        if (marks is null)
        {
            return false;
        }
        await marks.EnsureLoadedAsync(cancellationToken);
        var before = marks.BeforeMsFor(token.UserId, token.PlatformId, options.IsAdmin(token.UserId));
        return before > 0 && await IssuedBeforeAsync(TokenCodec.ReadClaimsUnverified(token.Token)
            ?? new TokenClaims(token.UserId, token.PlatformId, token.ExpiresAt, null, token.IssuedAt), token.Token, before, cancellationToken);
    }

    /// <summary>Reads marks the store could not give at start-up; true, or throws as the store does.</summary>
    private static async ValueTask<bool> LoadMarksAsync(RevocationMarks marks, CancellationToken cancellationToken)
    {
        await marks.EnsureLoadedAsync(cancellationToken);
        return true;
    }

    private RevocationMarks RequireMarks() =>
        marks ?? throw new InvalidOperationException("this token service keeps no revocation marks");
}
