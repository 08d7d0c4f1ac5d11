using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Server.Sessions;

/// <summary>
/// Beyond OpenIM, under <c>/auth</c>: revoke everything issued before a moment, lift such a mark, list a user's
/// sessions and revoke one of them. Administrators only (docs/decisions.md, D14).
/// </summary>
internal static class SessionEndpoints
{
    /// <summary>How far ahead a mark may be set: a clock a little ahead is fine, a mark that outlives a typo is not.</summary>
    private const long MaxFutureMs = 60_000;

    public static void MapSessionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth");
        group.MapOpenIm("/revoke_tokens", Access.Token, ApiJson.Default.RevokeTokensRequest, RevokeTokensAsync)
            .Describe<RevocationMarkResponse>("An administrator revokes every token of the app, a user or a user's platform issued before a moment.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .Audited("revoke_tokens")
            .AdminToken();
        group.MapOpenIm("/clear_revocation", Access.Token, ApiJson.Default.ClearRevocationRequest, ClearRevocationAsync)
            .Describe<ClearRevocationResponse>("An administrator lifts the revocation mark of the app, a user or a user's platform.",
                ErrorCodes.NoPermissionError)
            .Audited("clear_revocation")
            .AdminToken();
        group.MapOpenIm("/get_user_sessions", Access.Token, ApiJson.Default.GetUserSessionsRequest, GetUserSessionsAsync)
            .Describe<UserSessionsResponse>("An administrator lists every token the store knows for a user, newest first.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .AdminToken();
        group.MapOpenIm("/revoke_session", Access.Token, ApiJson.Default.RevokeSessionRequest, RevokeSessionAsync)
            .Describe("An administrator revokes one session (one token) of a user; its connections are kicked.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .Audited("revoke_session")
            .AdminToken();
    }

    private static async ValueTask<ApiResult> RevokeTokensAsync(RevokeTokensRequest request, OpenImCall call)
    {
        call.AuditSubject(request.UserId ?? "", request.PlatformId ?? 0, "issued before " + (request.IssuedBefore is > 0 ? $"{request.IssuedBefore} s" : "now"));
        if ((CheckScope(request.UserId, request.PlatformId) ?? call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        var userId = request.UserId ?? "";
        var now = call.Services.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var issuedBefore = request.IssuedBefore ?? 0;
        if (issuedBefore < 0 || issuedBefore > (now + MaxFutureMs) / 1000)
        {
            return OpenImError.Args($"issuedBefore {issuedBefore} is invalid; use Unix seconds at most 60 s from now, or 0 for now");
        }
        if (userId.Length > 0 && !await call.UserExistsAsync(userId))
        {
            return OpenImError.NotFound($"user {userId} is not registered");
        }
        var mark = await call.Services.Tokens.RevokeIssuedBeforeAsync(userId, request.PlatformId ?? 0,
            issuedBefore == 0 ? now : issuedBefore * 1000, call.Aborted);
        call.AuditSubject(userId, mark.PlatformId, $"{(userId.Length == 0 ? "app-wide " : "")}mark in force: issued before {mark.BeforeMs} ms");
        return ApiResult.Ok(new RevocationMarkResponse(mark.UserId, mark.PlatformId, mark.BeforeMs), ApiJson.Default.RevocationMarkResponse);
    }

    private static async ValueTask<ApiResult> ClearRevocationAsync(ClearRevocationRequest request, OpenImCall call)
    {
        call.AuditSubject(request.UserId ?? "", request.PlatformId ?? 0);
        if ((CheckScope(request.UserId, request.PlatformId) ?? call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        var cleared = await call.Services.Tokens.ClearRevocationAsync(request.UserId ?? "", request.PlatformId ?? 0, call.Aborted);
        call.AuditSubject(request.UserId ?? "", request.PlatformId ?? 0, cleared ? "mark cleared" : "no mark to clear");
        return ApiResult.Ok(new ClearRevocationResponse(cleared), ApiJson.Default.ClearRevocationResponse);
    }

    private static async ValueTask<ApiResult> GetUserSessionsAsync(GetUserSessionsRequest request, OpenImCall call)
    {
        var userId = request.UserId ?? "";
        if ((userId.Length == 0 ? OpenImError.Args("userID is empty") : call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        if (BoundedPage.Check(request.Pagination, out var skip, out var take) is { } invalid)
        {
            return invalid;
        }
        if (!await call.UserExistsAsync(userId))
        {
            return OpenImError.NotFound($"user {userId} is not registered");
        }
        var sessions = await UserSessions.ReadAsync(call, userId);
        return ApiResult.Ok(new UserSessionsResponse(sessions.Count, sessions.Skip(skip).Take(take).ToList()),
            ApiJson.Default.UserSessionsResponse);
    }

    private static async ValueTask<ApiResult> RevokeSessionAsync(RevokeSessionRequest request, OpenImCall call)
    {
        var userId = request.UserId ?? "";
        var sessionId = request.SessionId ?? "";
        call.AuditSubject(userId, 0, "session " + sessionId);
        var refused = userId.Length == 0 ? OpenImError.Args("userID is empty")
            : sessionId.Length == 0 ? OpenImError.Args("sessionID is empty")
            : call.RequireAdmin();
        if (refused is not null)
        {
            return refused;
        }
        var (tokens, _) = await call.Services.Tokens.GetUserTokensAsync(userId, call.Aborted);
        var token = tokens.FirstOrDefault(t => SessionIdOf(t.Token) == sessionId);
        if (token is null)
        {
            return OpenImError.NotFound($"user {userId} has no session {sessionId}");
        }
        call.AuditSubject(userId, token.PlatformId, "session " + sessionId);
        // Kick first: a note of a revocation that failed would show "revoked" for a token that still works. A token
        // that was no longer live (kicked or expired) keeps the status it had.
        if (await call.Services.Tokens.RevokeTokenAsync(token, call.Aborted) is not null)
        {
            await call.Services.Activity.RevokedAsync(userId, token.Token, call.Aborted);
        }
        return ApiResult.Ok();
    }

    /// <summary>A stable ID for a token that does not reveal it: 128 bits of its SHA-256, base64url.</summary>
    public static string SessionIdOf(string token)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        return Base64Url.EncodeToString(hash[..16]);
    }

    /// <summary>A scope: the app (no userID), a user, or a user's platform (a platformID needs a userID).</summary>
    private static OpenImError? CheckScope(string? userId, int? platformId)
    {
        var platform = platformId ?? 0;
        if (platform != 0 && string.IsNullOrEmpty(userId))
        {
            return OpenImError.Args("platformID needs userID: a mark covers the app, a user, or one platform of a user");
        }
        return platform == 0 || Platforms.IsValid(platform)
            ? null
            : OpenImError.Args($"platformID {platform} is invalid; use 1 to {Platforms.Max}, or 0 for every platform");
    }
}
