using OpenImAuth.Core.Audit;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Audit;

namespace OpenImAuth.Server.Http;

/// <summary>
/// What the audit trail learns of a call. The pipeline records one entry per answered call of an audited route
/// (<see cref="AuditedRoute"/>), after the answer, with its errCode; a refused secret or admin token turns that entry
/// into <c>secret_refused</c> or <c>admin_token_refused</c>, on any route. Handlers say whom the call was about
/// (<see cref="AuditSubject"/>) and record entries of their own with <see cref="Record"/>.
/// </summary>
internal sealed partial class OpenImCall
{
    private string? _auditAction;
    private string _auditUserId = "";
    private int _auditPlatformId;
    private string _auditDetail = "";
    private bool _usedSecret;
    private bool _tokenRefused;

    /// <summary>Who acted: the token's user, <c>secret</c> for a call that presented the secret, otherwise "".</summary>
    public string Actor => Caller?.UserId ?? (_usedSecret ? AuditActions.SecretActor : "");

    /// <summary>The user and platform the call is about, and a few words for its entry when it succeeds.</summary>
    public void AuditSubject(string userId, int platformId = 0, string detail = "")
    {
        _auditUserId = userId;
        _auditPlatformId = platformId;
        _auditDetail = detail;
    }

    /// <summary>Records an entry of the handler's own (such as <c>previous_secret_used</c>); never pass a secret or a token.</summary>
    public void Record(string action, string userId, int platformId, int errCode, string detail) =>
        services.Audit.Record(http, action, Actor, userId, platformId, errCode, detail);

    /// <summary>For <see cref="TokenService.IssueAsync(string, int, TimeSpan?, Action{IReadOnlyList{StoredToken}}?, CancellationToken)"/>:
    /// records each token the multi-login policy kicked; null while auditing is off, so issuance pays nothing.</summary>
    public Action<IReadOnlyList<StoredToken>>? KickRecorder(int loginPlatformId) => services.Audit.Enabled
        ? kicked =>
        {
            foreach (var token in kicked)
            {
                Record(AuditActions.MultiLoginKick, token.UserId, token.PlatformId, 0, $"kicked by a login on platform {loginPlatformId}");
            }
        }
        : null;

    /// <summary>Called by the pipeline once the call is answered with <paramref name="result"/>.</summary>
    internal void Answered(AuditedRoute route, ApiResult result)
    {
        var action = _auditAction ?? (_tokenRefused && route.AdminToken ? AuditActions.AdminTokenRefused : route.Action);
        if (action is null || !services.Audit.Enabled)
        {
            return;
        }
        var error = result.Error;
        var detail = error is null ? _auditDetail : error.Detail.Length > 0 ? error.Detail : error.Message;
        services.Audit.Record(http, action, Actor, _auditUserId, _auditPlatformId, error?.Code ?? 0, detail);
    }
}
