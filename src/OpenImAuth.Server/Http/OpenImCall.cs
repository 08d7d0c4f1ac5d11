using OpenImAuth.Core;
using OpenImAuth.Core.Audit;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Http;

/// <summary>One API call: the services, and the caller once its <c>token</c> header has been checked.</summary>
internal sealed partial class OpenImCall(HttpContext http, AuthServices services)
{
    public AuthServices Services => services;

    public AuthOptions Options => services.Options;

    public CancellationToken Aborted => http.RequestAborted;

    /// <summary>The checked token's claims; null until <see cref="AuthenticateAsync"/> succeeded.</summary>
    public TokenClaims? Caller { get; private set; }

    public bool CallerIsAdmin => Caller is not null && Options.IsAdmin(Caller.UserId);

    /// <summary>Checks the <c>token</c> header (no "Bearer " prefix, as in OpenIM); null when the caller is known.</summary>
    public async ValueTask<OpenImError?> AuthenticateAsync()
    {
        string? token = http.Request.Headers["token"];
        if (string.IsNullOrEmpty(token))
        {
            _tokenRefused = true;
            return OpenImError.Args("header must have token");
        }
        var check = await services.Tokens.CheckAsync(token, Aborted);
        Caller = check.Claims;
        _tokenRefused = check.Error is not null;
        if (Caller is not null)
        {
            services.Activity.Seen(Caller.UserId, token, ClientAddress.Of(http));
        }
        return check.Error;
    }

    /// <summary>Which secret <see cref="CheckSecretAsync"/> found: current, a previous one (by place), or none.</summary>
    public SecretMatch SecretUsed { get; private set; }

    /// <summary>
    /// 1002 unless <paramref name="secret"/> is the current secret or a previous one; a wrong one counts against the
    /// caller's address and in openimauth_secret_failures_total, a previous one is logged and counted (and
    /// <see cref="SecretUsed"/> says which it was).
    /// </summary>
    public async ValueTask<OpenImError?> CheckSecretAsync(string? secret)
    {
        _usedSecret = true;
        SecretUsed = Options.MatchSecret(secret);
        if (SecretUsed.IsPrevious)
        {
            services.Guard.RecordPreviousSecretUsed(http, SecretUsed);
            // The entry's address names the app server that still sends the old secret.
            Record(AuditActions.PreviousSecretUsed, "", 0, 0, $"previousSecrets[{SecretUsed.PreviousIndex}] on {http.Request.Path}");
        }
        if (SecretUsed.IsMatch)
        {
            return null;
        }
        _auditAction = AuditActions.SecretRefused;
        OpenImAuthMetrics.SecretFailed();
        if (await services.Guard.RecordSecretFailureAsync(http) is { } lockedUntil)
        {
            // The lockout's start is audited once; the requests it then refuses are counted in the metrics, not
            // recorded one by one (a flood of them would only flood the log).
            Record(AuditActions.SecretRefused, "", 0, ErrorCodes.SecretLockedOutError,
                $"address locked out until {lockedUntil.ToUnixTimeSeconds()} (unix seconds)");
        }
        return OpenImError.NoPermission("secret invalid");
    }

    /// <summary>Administrators exist from start-up; everyone else must be registered.</summary>
    public async ValueTask<bool> UserExistsAsync(string userId) =>
        Options.IsAdmin(userId) || await services.Registered.ExistsAsync(userId, Aborted);

    /// <summary>1002 unless the caller is an administrator (and then audited as <c>admin_token_refused</c>).</summary>
    public OpenImError? RequireAdmin()
    {
        if (CallerIsAdmin)
        {
            return null;
        }
        _auditAction = AuditActions.AdminTokenRefused;
        return OpenImError.NoPermission($"user {Caller?.UserId} is not admin userID");
    }

    /// <summary>1002 unless the caller is <paramref name="userId"/> or an administrator.</summary>
    public OpenImError? RequireSelfOrAdmin(string userId) =>
        CallerIsAdmin || Caller?.UserId == userId
            ? null
            : OpenImError.NoPermission($"user {Caller?.UserId} may only act on itself, not on {userId}");
}
