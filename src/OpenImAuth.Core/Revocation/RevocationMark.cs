namespace OpenImAuth.Core.Revocation;

/// <summary>
/// "Every token of this scope issued before <see cref="BeforeMs"/> is revoked" (POST /auth/revoke_tokens). The scope is
/// the whole app when <see cref="UserId"/> is empty, else one user, or one user's platform when <see cref="PlatformId"/>
/// is not 0. Times are Unix milliseconds, compared with the issuance time the token store recorded for each token.
/// </summary>
public sealed record RevocationMark(string UserId, int PlatformId, long BeforeMs)
{
    public bool IsAppWide => UserId.Length == 0;
}
