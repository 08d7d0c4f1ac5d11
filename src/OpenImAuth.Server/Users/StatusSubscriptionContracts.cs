using System.Text.Json.Serialization;

namespace OpenImAuth.Server.Users;

// The bodies of OpenIM's online-status subscription routes (pbuser subscribeOrCancelUsersStatusReq,
// getSubscribeUsersStatusReq, getUserStatusReq) and their one answer shape, the same in both profiles.

/// <summary><c>genre</c> 1 subscribes <c>userID</c> to <c>userIDs</c>, 2 unsubscribes it.</summary>
internal sealed record SubscribeUsersStatusRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("userIDs")] List<string?>? UserIds,
    [property: JsonPropertyName("genre")] int? Genre);

internal sealed record GetSubscribeUsersStatusRequest(
    [property: JsonPropertyName("userID")] string? UserId);

/// <summary><c>userID</c> is the caller as OpenIM's SDK sends it; only <c>userIDs</c> is read.</summary>
internal sealed record GetUserStatusRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("userIDs")] List<string?>? UserIds);

/// <summary>A null list is written as null, as Go writes a nil slice (an unsubscribe answers it).</summary>
internal sealed record StatusListResponse(
    [property: JsonPropertyName("statusList")] IReadOnlyList<UserStatusElement>? StatusList);

/// <summary>OpenIM's onlineStatus: status 1 online, 0 offline; platformIDs null when offline.</summary>
internal sealed record UserStatusElement(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("platformIDs")] IReadOnlyList<int>? PlatformIds);
