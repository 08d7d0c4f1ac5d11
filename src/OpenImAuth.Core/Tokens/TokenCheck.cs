using OpenImAuth.Core.Errors;

namespace OpenImAuth.Core.Tokens;

/// <summary>The outcome of checking a presented token: its claims, or the OpenIM error to answer with.</summary>
public readonly record struct TokenCheck(TokenClaims? Claims, OpenImError? Error)
{
    public static TokenCheck Fail(int code) => new(null, OpenImError.Token(code));
}
