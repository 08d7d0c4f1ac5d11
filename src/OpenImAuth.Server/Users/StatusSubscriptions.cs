using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Server.Users;

/// <summary>
/// OpenIM's online-status routes for users (docs/decisions.md, D15): a user (or an administrator for it) keeps a list
/// of users whose status it follows, and anyone signed in may ask for the status of given users. Status comes from
/// the presence directory, as for the administrators' online routes (W8).
/// </summary>
internal static class StatusSubscriptions
{
    private const int Subscribe = 1;
    private const int Unsubscribe = 2;

    /// <summary>OpenIM's checks in its order: userID, then the list, then genre; then the caller must be userID or an admin.</summary>
    public static async ValueTask<ApiResult> SubscribeUsersStatusAsync(SubscribeUsersStatusRequest request, OpenImCall call)
    {
        if (string.IsNullOrEmpty(request.UserId))
        {
            return OpenImError.Args("UserID is empty");
        }
        if (request.UserIds is null)
        {
            return OpenImError.Args("subscription User-list is empty");
        }
        if (request.Genre is not (Subscribe or Unsubscribe))
        {
            return OpenImError.Args("invalid subscription type parameter");
        }
        // OpenIM would slice its list out of range here; a list the store could never hold is refused instead.
        if (request.UserIds.Count > IStatusSubscriptionStore.MaxPerUser)
        {
            return OpenImError.Args($"at most {IStatusSubscriptionStore.MaxPerUser} userIDs per subscription");
        }
        if (call.RequireSelfOrAdmin(request.UserId) is { } refused)
        {
            return refused;
        }
        var targets = request.UserIds.Select(id => id ?? "").ToList();
        if (request.Genre == Unsubscribe)
        {
            await call.Services.Subscriptions.UnsubscribeAsync(request.UserId, targets, call.Aborted);
            return Answer(null);
        }
        await call.Services.Subscriptions.SubscribeAsync(request.UserId, targets.Distinct(StringComparer.Ordinal).ToList(), call.Aborted);
        return Answer(await StatusOfAsync(targets, call));
    }

    /// <summary>The status of every user <c>userID</c> subscribes to, oldest subscription first.</summary>
    public static async ValueTask<ApiResult> GetSubscribeUsersStatusAsync(GetSubscribeUsersStatusRequest request, OpenImCall call)
    {
        if (string.IsNullOrEmpty(request.UserId))
        {
            return OpenImError.Args("UserID is empty");
        }
        if (call.RequireSelfOrAdmin(request.UserId) is { } refused)
        {
            return refused;
        }
        var targets = await call.Services.Subscriptions.ListAsync(request.UserId, call.Aborted);
        return Answer(await StatusOfAsync(targets, call));
    }

    /// <summary>Any signed-in caller; one entry per requested ID, in request order.</summary>
    public static async ValueTask<ApiResult> GetUsersStatusAsync(GetUserStatusRequest request, OpenImCall call)
    {
        if (request.UserIds is not { Count: > 0 })
        {
            return OpenImError.Args("UserIDs is empty");
        }
        return Answer(await StatusOfAsync(request.UserIds.Select(id => id ?? "").ToList(), call));
    }

    /// <summary>Each user's online platforms, distinct and ascending, from every instance's connections.</summary>
    public static async ValueTask<List<UserStatusElement>> StatusOfAsync(IReadOnlyList<string> userIds, OpenImCall call) =>
        StatusOf(userIds, await call.Services.Presence.FindAsync(userIds.ToHashSet(StringComparer.Ordinal), call.Aborted));

    public static List<UserStatusElement> StatusOf(IReadOnlyList<string> userIds, IReadOnlyList<PresenceEntry> entries)
    {
        var platforms = entries.GroupBy(e => e.UserId, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => g.Select(e => e.PlatformId).Distinct().Order().ToList(), StringComparer.Ordinal);
        return userIds.Select(id => platforms.TryGetValue(id, out var online)
            ? new UserStatusElement(id, 1, online)
            : new UserStatusElement(id, 0, null)).ToList();
    }

    private static ApiResult Answer(List<UserStatusElement>? status) =>
        ApiResult.Ok(new StatusListResponse(status), ApiJson.Default.StatusListResponse);
}
