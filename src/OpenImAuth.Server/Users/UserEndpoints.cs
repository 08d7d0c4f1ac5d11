using OpenImAuth.Core;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Users;

/// <summary>OpenIM's <c>/user</c> module (docs/decisions.md, D1).</summary>
internal static class UserEndpoints
{
    public static void MapUserEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/user");
        group.MapOpenIm("/user_register", Access.Public, ApiJson.Default.UserRegisterRequest, UserRegistration.RegisterAsync)
            .Describe("Registers users, all or none: with the secret in the body, or an administrator's token.",
                [ErrorCodes.NoPermissionError, ErrorCodes.RegisteredAlreadyError, .. OpenImRouteDescriptions.TokenErrors])
            .GuardSecret() // a secret or, not counted, an admin token
            .Audited("user_register")
            .AdminToken();
        group.MapOpenIm("/update_user_info", Access.Token, ApiJson.Default.UpdateUserInfoRequest, UserProfileUpdates.UpdateUserInfoAsync)
            .Describe("Updates a user's profile (the user or an administrator); empty fields stay as they are.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .Audited("update_user_info");
        group.MapOpenIm("/update_user_info_ex", Access.Token, ApiJson.Default.UpdateUserInfoRequest, UserProfileUpdates.UpdateUserInfoExAsync)
            .Describe("Updates a user's profile (the user or an administrator); null stays, an empty text clears.",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError)
            .Audited("update_user_info_ex");
        group.MapOpenIm("/set_global_msg_recv_opt", Access.Token, ApiJson.Default.SetGlobalMsgRecvOptRequest, UserProfileUpdates.SetGlobalMsgRecvOptAsync)
            .Describe("Sets a user's global message receiving option (0-2).",
                ErrorCodes.NoPermissionError, ErrorCodes.RecordNotFoundError);
        group.MapOpenIm("/get_users_info", Access.Token, ApiJson.Default.UserIdsRequest, GetUsersInfoAsync)
            .Describe<UsersInfoResponse>("The profiles of the given users (v3: 1004 when one is unknown; v3.8: those found).",
                ErrorCodes.RecordNotFoundError);
        group.MapOpenIm("/account_check", Access.Token, ApiJson.Default.AccountCheckRequest, AccountCheckAsync)
            .Describe<AccountCheckTextResponse, AccountCheckCodeResponse>("An administrator asks which user IDs are registered.",
                ErrorCodes.NoPermissionError)
            .AdminToken();
        group.MapOpenIm("/get_all_users_uid", Access.Token, ApiJson.Default.PaginationRequest, GetAllUsersUidAsync)
            .Describe<AllUserIdsResponse>("A page of every registered user ID, with the total.");
        group.MapOpenIm("/get_users", Access.Token, ApiJson.Default.GetUsersRequest, GetUsersAsync)
            .Describe<UsersPageResponse>("A page of users, optionally those whose ID or nickname contains a text, with the total.");
        group.MapOpenIm("/get_users_online_status", Access.Token, ApiJson.Default.UserIdsRequest, OnlineStatus.GetUsersOnlineStatusAsync)
            .Describe<List<OnlineStatusText>, List<OnlineStatusCode>>("An administrator sees each user's live gateway connections.",
                ErrorCodes.NoPermissionError)
            .AdminToken();
        group.MapOpenIm("/get_users_online_token_detail", Access.Token, ApiJson.Default.UserIdsRequest, OnlineStatus.GetUsersOnlineTokenDetailAsync)
            .Describe<List<TokenDetailText>, List<TokenDetailCode>>("An administrator sees the tokens online users are connected with, by platform.",
                ErrorCodes.NoPermissionError)
            .AdminToken();
        group.MapOpenIm("/subscribe_users_status", Access.Token, ApiJson.Default.SubscribeUsersStatusRequest, StatusSubscriptions.SubscribeUsersStatusAsync)
            .Describe<StatusListResponse>("A user (or an administrator for it) subscribes to (genre 1) or unsubscribes from (genre 2) users' online status.",
                ErrorCodes.NoPermissionError);
        group.MapOpenIm("/get_subscribe_users_status", Access.Token, ApiJson.Default.GetSubscribeUsersStatusRequest, StatusSubscriptions.GetSubscribeUsersStatusAsync)
            .Describe<StatusListResponse>("The online status of every user a user subscribes to (the user or an administrator).",
                ErrorCodes.NoPermissionError);
        group.MapOpenIm("/get_users_status", Access.Token, ApiJson.Default.GetUserStatusRequest, StatusSubscriptions.GetUsersStatusAsync)
            .Describe<StatusListResponse>("The online status of the given users: 1 with their online platforms, or 0.");
    }

    /// <summary>Any caller. v3: a missing ID fails the whole call with 1004; v3.8: the users found are returned.</summary>
    private static async ValueTask<ApiResult> GetUsersInfoAsync(UserIdsRequest request, OpenImCall call)
    {
        if (request.UserIds is null)
        {
            return OpenImError.Args("userIDs is empty");
        }
        var ids = request.UserIds.Select(id => id ?? "").Distinct(StringComparer.Ordinal).ToList();
        var found = await call.Services.Users.FindManyAsync(ids, call.Aborted);
        if (call.Options.Profile == CompatProfile.V3 && found.Count < ids.Count)
        {
            var missing = ids.Except(found.Select(u => u.UserId), StringComparer.Ordinal).First();
            return OpenImError.NotFound($"userID not found: {missing}");
        }
        return ApiResult.Ok(new UsersInfoResponse(found.Select(UserInfoOutput.From).ToList()), ApiJson.Default.UsersInfoResponse);
    }

    /// <summary>Administrators only; answers in request order.</summary>
    private static async ValueTask<ApiResult> AccountCheckAsync(AccountCheckRequest request, OpenImCall call)
    {
        if (request.CheckUserIds is null)
        {
            return OpenImError.Args("checkUserIDs is empty");
        }
        var ids = request.CheckUserIds.Select(id => id ?? "").ToList();
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            return OpenImError.Args("userID repeated");
        }
        if (call.RequireAdmin() is { } denied)
        {
            return denied;
        }
        var registered = (await call.Services.Users.FindManyAsync(ids, call.Aborted))
            .Select(u => u.UserId).ToHashSet(StringComparer.Ordinal);
        return call.Options.Profile == CompatProfile.V3
            ? ApiResult.Ok(new AccountCheckTextResponse(
                ids.Select(id => new AccountStatusText(id, registered.Contains(id) ? "registered" : "unregistered")).ToList()),
                ApiJson.Default.AccountCheckTextResponse)
            : ApiResult.Ok(new AccountCheckCodeResponse(
                ids.Select(id => new AccountStatusCode(id, registered.Contains(id) ? 1 : 0)).ToList()),
                ApiJson.Default.AccountCheckCodeResponse);
    }

    private static async ValueTask<ApiResult> GetAllUsersUidAsync(PaginationRequest request, OpenImCall call)
    {
        if (CheckPagination(request.Pagination, out var skip, out var take) is { } invalid)
        {
            return invalid;
        }
        var page = await call.Services.Users.ListIdsAsync(skip, take, call.Aborted);
        return ApiResult.Ok(new AllUserIdsResponse(page.Total, page.Items), ApiJson.Default.AllUserIdsResponse);
    }

    /// <summary>
    /// Optional <c>userID</c> / <c>nickName</c> filters match as case-insensitive substrings (OpenIM treats them as
    /// regular expressions; a literal match avoids running client-supplied patterns). v3.8 lists ordinary users only.
    /// </summary>
    private static async ValueTask<ApiResult> GetUsersAsync(GetUsersRequest request, OpenImCall call)
    {
        if (CheckPagination(request.Pagination, out var skip, out var take) is { } invalid)
        {
            return invalid;
        }
        var filter = new UserFilter(request.UserId, request.NickName, call.Options.Profile == CompatProfile.V3Point8);
        var page = await call.Services.Users.ListAsync(filter, skip, take, call.Aborted);
        return ApiResult.Ok(new UsersPageResponse(page.Total, page.Items.Select(UserInfoOutput.From).ToList()),
            ApiJson.Default.UsersPageResponse);
    }

    private static OpenImError? CheckPagination(Pagination? pagination, out int skip, out int take)
    {
        skip = take = 0;
        if (pagination is null)
        {
            return OpenImError.Args("pagination is empty");
        }
        var pageNumber = pagination.PageNumber ?? 0;
        if (pageNumber < 1)
        {
            return OpenImError.Args("pageNumber is invalid");
        }
        take = Math.Max(0, pagination.ShowNumber ?? 0);
        skip = (int)Math.Min(int.MaxValue, (pageNumber - 1L) * take);
        return null;
    }
}
