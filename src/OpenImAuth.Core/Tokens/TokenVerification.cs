namespace OpenImAuth.Core.Tokens;

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
