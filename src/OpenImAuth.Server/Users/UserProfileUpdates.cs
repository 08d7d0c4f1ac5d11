using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Users;

/// <summary>The routes that change a user's profile: the user itself or an administrator.</summary>
internal static class UserProfileUpdates
{
    /// <summary>Only non-empty, non-zero fields change, as in OpenIM (a field cannot be cleared here).</summary>
    public static ValueTask<ApiResult> UpdateUserInfoAsync(UpdateUserInfoRequest request, OpenImCall call)
    {
        var info = request.UserInfo;
        return UpdateAsync(info, call, info is null ? null : new UserUpdate(
            NullIfEmpty(info.Nickname), NullIfEmpty(info.FaceUrl), NullIfEmpty(info.Extra),
            info.GlobalRecvMsgOpt is 0 ? null : info.GlobalRecvMsgOpt));
    }

    /// <summary>An absent or null field stays; an empty string clears it (wrapper types in OpenIM).</summary>
    public static ValueTask<ApiResult> UpdateUserInfoExAsync(UpdateUserInfoRequest request, OpenImCall call)
    {
        var info = request.UserInfo;
        return UpdateAsync(info, call, info is null ? null : new UserUpdate(info.Nickname, info.FaceUrl, info.Extra, info.GlobalRecvMsgOpt));
    }

    public static ValueTask<ApiResult> SetGlobalMsgRecvOptAsync(SetGlobalMsgRecvOptRequest request, OpenImCall call)
    {
        var info = new UserInfoInput(request.UserId, null, null, null, null, null, request.GlobalRecvMsgOpt ?? 0);
        return UpdateAsync(info, call, new UserUpdate(null, null, null, request.GlobalRecvMsgOpt ?? 0));
    }

    private static async ValueTask<ApiResult> UpdateAsync(UserInfoInput? info, OpenImCall call, UserUpdate? update)
    {
        if (info is null || update is null)
        {
            return OpenImError.Args("userInfo is empty");
        }
        var userId = info.UserId ?? "";
        call.AuditSubject(userId, detail: "profile updated");
        if (userId.Length == 0)
        {
            return OpenImError.Args("userID is empty");
        }
        if (UserRules.CheckProfileFields(update.Nickname, update.FaceUrl, update.Extra, update.GlobalRecvMsgOpt) is { } invalid)
        {
            return OpenImError.Args(invalid);
        }
        if (call.RequireSelfOrAdmin(userId) is { } denied)
        {
            return denied;
        }
        return await call.Services.Users.UpdateAsync(userId, update, call.Aborted)
            ? ApiResult.Ok()
            : OpenImError.NotFound($"user {userId} is not registered");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
