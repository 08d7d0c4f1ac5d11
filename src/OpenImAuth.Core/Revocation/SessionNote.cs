namespace OpenImAuth.Core.Revocation;

/// <summary>
/// What the sessions route shows of a token beyond its state: when and from where it was last used (a gateway
/// connect or an authenticated request; 0 and empty when never), and whether an administrator revoked it by itself.
/// </summary>
public sealed record SessionNote(string UserId, string Token, long LastSeenMs, string LastSeenAddress, bool Revoked);
