using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Auth;

/// <summary>OpenIM's <c>/auth</c> module: both route generations side by side (docs/decisions.md, D1).</summary>
internal static class AuthEndpoints
{
    public static void MapAuthEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth");
        group.MapOpenIm("/user_token", Access.Public, ApiJson.Default.UserTokenRequest, UserTokenAsync)
            .Describe<TokenResponse>("The app server mints a token for a registered user or an administrator with the secret.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .GuardSecret()
            .Audited("user_token");
        group.MapOpenIm("/get_admin_token", Access.Public, ApiJson.Default.GetAdminTokenRequest, GetAdminTokenAsync)
            .Describe<TokenResponse>("The secret mints an administrator's token, always on platform 10 (v3.8.1+).",
                ErrorCodes.NoPermissionError)
            .GuardSecret()
            .Audited("get_admin_token");
        group.MapOpenIm("/get_user_token", Access.Token, ApiJson.Default.GetUserTokenRequest, GetUserTokenAsync)
            .Describe<TokenResponse>("An administrator mints a token for an ordinary user on a platform other than 10.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .Audited("get_user_token")
            .AdminToken();
        group.MapOpenIm("/parse_token", Access.Public, ApiJson.Default.ParseTokenRequest, ParseTokenAsync)
            .Describe<ParseTokenResponse>("Checks a token: whose it is, its platform and its absolute expiry.",
                OpenImRouteDescriptions.TokenErrors);
        group.MapOpenIm("/force_logout", Access.Token, ApiJson.Default.PlatformUserRequest, ForceLogoutAsync)
            .Describe("An administrator revokes every token of a user on one platform; their connections are kicked.",
                ErrorCodes.NoPermissionError)
            .Audited("force_logout")
            .AdminToken();
    }

    /// <summary>v3.0–v3.8.0: the secret mints a token for any registered user or administrator.</summary>
    private static async ValueTask<ApiResult> UserTokenAsync(UserTokenRequest request, OpenImCall call)
    {
        var userId = request.UserId ?? "";
        call.AuditSubject(userId, request.PlatformId ?? 0, "token issued");
        if (CheckPlatformUser(userId, request.PlatformId) is { } invalid)
        {
            return invalid;
        }
        if (request.ExpireTimeSeconds.Resolve(call.Options, out var lifetime) is { } badExpiry)
        {
            return badExpiry;
        }
        if (await call.CheckSecretAsync(request.Secret) is { } wrongSecret)
        {
            return wrongSecret;
        }
        return await IssueAsync(call, userId, request.PlatformId!.Value, lifetime);
    }

    /// <summary>v3.8.1+: the secret mints an admin token, always on platform 10; a sent platformID is ignored.</summary>
    private static async ValueTask<ApiResult> GetAdminTokenAsync(GetAdminTokenRequest request, OpenImCall call)
    {
        var userId = request.UserId ?? "";
        call.AuditSubject(userId, Platforms.Admin, "admin token issued");
        if (userId.Length == 0)
        {
            return OpenImError.Args("userID is empty");
        }
        if (request.ExpireTimeSeconds.Resolve(call.Options, out var lifetime) is { } badExpiry)
        {
            return badExpiry;
        }
        if (await call.CheckSecretAsync(request.Secret) is { } wrongSecret)
        {
            return wrongSecret;
        }
        if (!call.Options.IsAdmin(userId))
        {
            var admins = string.Join(' ', call.Options.Admins.Select(a => a.UserId));
            return OpenImError.Args($"userID is error., userID={userId}, adminUserID=[{admins}]");
        }
        return await IssueAsync(call, userId, Platforms.Admin, lifetime);
    }

    /// <summary>v3.6+: an administrator mints a token for an ordinary user on a non-admin platform.</summary>
    private static async ValueTask<ApiResult> GetUserTokenAsync(GetUserTokenRequest request, OpenImCall call)
    {
        var userId = request.UserId ?? "";
        call.AuditSubject(userId, request.PlatformId ?? 0, "token issued");
        if ((CheckPlatformUser(userId, request.PlatformId) ?? call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        if (request.ExpireTimeSeconds.Resolve(call.Options, out var lifetime) is { } badExpiry)
        {
            return badExpiry;
        }
        if (request.PlatformId == Platforms.Admin)
        {
            return OpenImError.NoPermission("platformID invalid. platformID must not be adminPlatformID");
        }
        if (call.Options.IsAdmin(userId))
        {
            return OpenImError.NoPermission("don't get Admin token");
        }
        var user = await call.Services.Users.FindAsync(userId, call.Aborted);
        if (user is null)
        {
            return OpenImError.NotFound($"user {userId} is not registered");
        }
        if (user.AppMangerLevel >= 3)
        {
            return OpenImError.Args("app account can`t get token");
        }
        return await IssueAsync(call, userId, request.PlatformId!.Value, lifetime);
    }

    private static async ValueTask<ApiResult> ParseTokenAsync(ParseTokenRequest request, OpenImCall call)
    {
        if (string.IsNullOrEmpty(request.Token))
        {
            return OpenImError.Args("token is empty");
        }
        var check = await call.Services.Tokens.CheckAsync(request.Token, call.Aborted);
        if (check.Error is { } error)
        {
            return error;
        }
        var claims = check.Claims!;
        return ApiResult.Ok(
            new ParseTokenResponse(claims.UserId, Platforms.NameOf(claims.PlatformId), claims.PlatformId, claims.ExpiresAt ?? 0),
            ApiJson.Default.ParseTokenResponse);
    }

    /// <summary>
    /// Marks every token of (user, platform) kicked, admin tokens included (docs/decisions.md, D6). A user with no tokens there,
    /// registered or not, is already logged out: success, as OpenIM answers (its ForceLogout never looks the user up).
    /// </summary>
    private static async ValueTask<ApiResult> ForceLogoutAsync(PlatformUserRequest request, OpenImCall call)
    {
        var userId = request.UserId ?? "";
        call.AuditSubject(userId, request.PlatformId ?? 0);
        if ((CheckPlatformUser(userId, request.PlatformId) ?? call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        var revoked = await call.Services.Tokens.ForceLogoutAsync(userId, request.PlatformId!.Value, call.Aborted);
        call.AuditSubject(userId, request.PlatformId.Value, $"{revoked.Count} tokens kicked");
        return ApiResult.Ok();
    }

    private static OpenImError? CheckPlatformUser(string userId, int? platformId)
    {
        if (userId.Length == 0)
        {
            return OpenImError.Args("userID is empty");
        }
        return Platforms.IsValid(platformId ?? 0)
            ? null
            : OpenImError.Args($"platformID {platformId ?? 0} is invalid; use 1 to {Platforms.Max}");
    }

    /// <summary>Issues with the <paramref name="lifetime"/> asked for, or null for the configured one; the answer says which.</summary>
    private static async ValueTask<ApiResult> IssueAsync(OpenImCall call, string userId, int platformId, TimeSpan? lifetime)
    {
        if (!await call.UserExistsAsync(userId))
        {
            return OpenImError.NotFound();
        }
        var token = await call.Services.Tokens.IssueAsync(userId, platformId, lifetime, call.KickRecorder(platformId), call.Aborted);
        return ApiResult.Ok(new TokenResponse(token, (long?)lifetime?.TotalSeconds ?? call.Options.TokenLifetimeSeconds), ApiJson.Default.TokenResponse);
    }
}
