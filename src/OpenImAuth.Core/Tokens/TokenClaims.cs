namespace OpenImAuth.Core.Tokens;

/// <summary>The claims of an OpenIM JWT. Times are Unix seconds; OpenIM treats each of them as optional.</summary>
public sealed record TokenClaims(string UserId, int PlatformId, long? ExpiresAt, long? NotBefore, long? IssuedAt);
