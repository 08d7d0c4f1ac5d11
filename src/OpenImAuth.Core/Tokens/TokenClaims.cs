namespace OpenImAuth.Core.Tokens;

/// <summary>The claims of an OpenIM JWT. Times are Unix seconds; OpenIM treats each of them as optional.</summary>
public sealed record TokenClaims(string UserId, int PlatformId, long? ExpiresAt, long? NotBefore, long? IssuedAt);

/// <summary>A token just signed, with the <c>iat</c> and <c>exp</c> claims (Unix seconds) written into it.</summary>
public readonly record struct SignedToken(string Token, long IssuedAt, long ExpiresAt);

/// <summary>The two payload layouts OpenIM has signed (docs/decisions.md, W4).</summary>
public enum TokenFormat
{
    /// <summary>Format A (v3.0–v3.8.2): <c>exp</c>, <c>nbf</c> = now−300, <c>iat</c> = now.</summary>
    WithNotBefore,

    /// <summary>Format B (v3.8.3+): <c>exp</c>, no <c>nbf</c>, <c>iat</c> = now−5.</summary>
    Backdated,
}

/// <summary>
/// The outcome of checking a JWT. <see cref="Claims"/> is set once format and signature are good (the token is
/// authentic); <see cref="ErrorCode"/> is 0 only when its times are good too.
/// </summary>
public readonly record struct TokenVerification(TokenClaims? Claims, int ErrorCode)
{
    public bool IsAuthentic => Claims is not null;

    public bool IsValid => Claims is not null && ErrorCode == 0;

    public static TokenVerification Fail(int code) => new(null, code);
}
