namespace OpenImAuth.Core.Audit;

/// <summary>
/// One recorded event: a token issued, refused or revoked, a user registered or changed. Never holds a secret or a token.
/// </summary>
/// <param name="Time">When, in Unix milliseconds.</param>
/// <param name="Action">The route's name for its own action (<c>user_token</c>, <c>force_logout</c>, …), otherwise one of
/// <see cref="AuditActions"/>.</param>
/// <param name="OperationId">The request's <c>operationID</c> header.</param>
/// <param name="Actor">The administrator's userID, the caller's userID, or <c>secret</c> for the secret routes.</param>
/// <param name="UserId">The user acted on ("" when none).</param>
/// <param name="PlatformId">The platform acted on (0 when none).</param>
/// <param name="Address">The client's address.</param>
/// <param name="ErrCode">The answer's errCode; 0 on success.</param>
/// <param name="Detail">A few words on what happened.</param>
public sealed record AuditEntry(
    long Time,
    string Action,
    string OperationId,
    string Actor,
    string UserId,
    int PlatformId,
    string Address,
    int ErrCode,
    string Detail);
