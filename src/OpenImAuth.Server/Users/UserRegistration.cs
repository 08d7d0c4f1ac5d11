using OpenImAuth.Core;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Users;

/// <summary><c>/user/user_register</c>: the secret in the body (v3.0–v3.8.0) or an admin token (v3.8.1+).</summary>
internal static class UserRegistration
{
    public static async ValueTask<ApiResult> RegisterAsync(UserRegisterRequest request, OpenImCall call)
    {
        if (request.Users is null || request.Users.Count == 0)
        {
            return OpenImError.Args("users is empty");
        }
        if (request.Users.Any(u => u is null))
        {
            return OpenImError.Args("user is empty");
        }
        // The first user is the entry's subject; the detail names them all (cut to the entry's length).
        var ids = request.Users.Select(u => u!.UserId ?? "").ToList();
        call.AuditSubject(ids[0], detail: $"{ids.Count} users registered: {string.Join(", ", ids)}");
        if (await AuthorizeAsync(request.Secret, call) is { } denied)
        {
            return denied;
        }
        var users = request.Users!;
        if (users.Select(u => u!.UserId ?? "").Distinct(StringComparer.Ordinal).Count() != users.Count)
        {
            return OpenImError.Args("userID repeated");
        }
        var now = call.Services.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var records = new List<UserRecord>(users.Count);
        foreach (var user in users)
        {
            if (Validate(user!, call.Options.Profile) is { } invalid)
            {
                return invalid;
            }
            if (call.Options.IsAdmin(user!.UserId!))
            {
                return new OpenImError(ErrorCodes.RegisteredAlreadyError, $"userID {user.UserId} registered already");
            }
            // createTime is the server's clock; the request's value is ignored, as in OpenIM.
            records.Add(new UserRecord(user.UserId!, user.Nickname ?? "", user.FaceUrl ?? "", user.Extra ?? "",
                user.AppMangerLevel ?? 0, user.GlobalRecvMsgOpt ?? 0, now));
        }
        var existing = await call.Services.Users.RegisterAsync(records, call.Aborted);
        if (existing is not null)
        {
            return new OpenImError(ErrorCodes.RegisteredAlreadyError, $"userID {existing} registered already");
        }
        // Durable now: their first logins need not ask the store again.
        foreach (var record in records)
        {
            call.Services.Registered.Remember(record.UserId);
        }
        return ApiResult.Ok();
    }

    private static async ValueTask<OpenImError?> AuthorizeAsync(string? secret, OpenImCall call)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            return await call.CheckSecretAsync(secret);
        }
        return await call.AuthenticateAsync() ?? call.RequireAdmin();
    }

    private static OpenImError? Validate(UserInfoInput user, CompatProfile profile)
    {
        if (UserRules.CheckUserId(user.UserId ?? "", profile) is { } badId)
        {
            return OpenImError.Args(badId);
        }
        if (profile == CompatProfile.V3Point8 && string.IsNullOrEmpty(user.Nickname))
        {
            return OpenImError.Args("user name is empty");
        }
        if (user.AppMangerLevel is < 0 or > 4)
        {
            return OpenImError.Args("appMangerLevel must be 0 to 4");
        }
        var badField = UserRules.CheckProfileFields(user.Nickname, user.FaceUrl, user.Extra, user.GlobalRecvMsgOpt);
        return badField is null ? null : OpenImError.Args(badField);
    }
}
