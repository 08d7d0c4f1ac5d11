using System.Text.Json.Serialization;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Server.Users;

/// <summary>sdkws.UserInfo as sent by clients; fields a route does not use are ignored.</summary>
internal sealed record UserInfoInput(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("nickname")] string? Nickname,
    [property: JsonPropertyName("faceURL")] string? FaceUrl,
    [property: JsonPropertyName("ex")] string? Extra,
    [property: JsonPropertyName("createTime")] long? CreateTime,
    [property: JsonPropertyName("appMangerLevel")] int? AppMangerLevel,
    [property: JsonPropertyName("globalRecvMsgOpt")] int? GlobalRecvMsgOpt);

internal sealed record UserRegisterRequest(
    [property: JsonPropertyName("secret")] string? Secret,
    [property: JsonPropertyName("users")] List<UserInfoInput?>? Users);

internal sealed record UpdateUserInfoRequest(
    [property: JsonPropertyName("userInfo")] UserInfoInput? UserInfo);

internal sealed record UserIdsRequest(
    [property: JsonPropertyName("userIDs")] List<string?>? UserIds);

internal sealed record AccountCheckRequest(
    [property: JsonPropertyName("checkUserIDs")] List<string?>? CheckUserIds);

internal sealed record Pagination(
    [property: JsonPropertyName("pageNumber")] int? PageNumber,
    [property: JsonPropertyName("showNumber")] int? ShowNumber);

internal sealed record PaginationRequest(
    [property: JsonPropertyName("pagination")] Pagination? Pagination);

internal sealed record GetUsersRequest(
    [property: JsonPropertyName("pagination")] Pagination? Pagination,
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("nickName")] string? NickName);

internal sealed record SetGlobalMsgRecvOptRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("globalRecvMsgOpt")] int? GlobalRecvMsgOpt);

/// <summary>sdkws.UserInfo as OpenIM answers it: all seven fields, createTime in Unix milliseconds.</summary>
internal sealed record UserInfoOutput(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("nickname")] string Nickname,
    [property: JsonPropertyName("faceURL")] string FaceUrl,
    [property: JsonPropertyName("ex")] string Extra,
    [property: JsonPropertyName("createTime")] long CreateTime,
    [property: JsonPropertyName("appMangerLevel")] int AppMangerLevel,
    [property: JsonPropertyName("globalRecvMsgOpt")] int GlobalRecvMsgOpt)
{
    public static UserInfoOutput From(UserRecord user) =>
        new(user.UserId, user.Nickname, user.FaceUrl, user.Extra, user.CreateTime, user.AppMangerLevel, user.GlobalRecvMsgOpt);
}

internal sealed record UsersInfoResponse(
    [property: JsonPropertyName("usersInfo")] IReadOnlyList<UserInfoOutput> UsersInfo);

/// <summary>v3 profile: accountStatus is "registered" / "unregistered".</summary>
internal sealed record AccountStatusText(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("accountStatus")] string AccountStatus);

/// <summary>v3.8 profile: accountStatus is 1 (registered) / 0 (unregistered).</summary>
internal sealed record AccountStatusCode(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("accountStatus")] int AccountStatus);

internal sealed record AccountCheckTextResponse(
    [property: JsonPropertyName("results")] IReadOnlyList<AccountStatusText> Results);

internal sealed record AccountCheckCodeResponse(
    [property: JsonPropertyName("results")] IReadOnlyList<AccountStatusCode> Results);

internal sealed record AllUserIdsResponse(
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("userIDs")] IReadOnlyList<string> UserIds);

internal sealed record UsersPageResponse(
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("users")] IReadOnlyList<UserInfoOutput> Users);
