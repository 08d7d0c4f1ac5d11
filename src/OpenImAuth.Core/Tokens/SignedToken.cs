namespace OpenImAuth.Core.Tokens;

/// <summary>A token just signed, with the <c>iat</c> and <c>exp</c> claims (Unix seconds) written into it.</summary>
public readonly record struct SignedToken(string Token, long IssuedAt, long ExpiresAt);
