using OpenImAuth.Core;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Server.Users;

/// <summary>
/// Who is connected to the gateway (docs/decisions.md, W8), from the presence directory: this instance's registry alone, or
/// every instance's when a shared directory is registered. Administrators only, as OpenIM's gateway enforces.
/// </summary>
internal static class OnlineStatus
{
    private const string Online = "online";
    private const string Offline = "offline";

    /// <summary>One entry per requested ID, in request order, offline users included.</summary>
    public static async ValueTask<ApiResult> GetUsersOnlineStatusAsync(UserIdsRequest request, OpenImCall call)
    {
        if (Refusal(request, call) is { } refused)
        {
            return refused;
        }
        var (ids, online) = await FindAsync(request.UserIds!, call);
        if (call.Options.Profile == CompatProfile.V3)
        {
            return ApiResult.Ok(ids.Select(id => online.TryGetValue(id, out var entries)
                ? new OnlineStatusText(id, Online, entries.Select(e =>
                    new PlatformStatusText(Platforms.NameOf(e.PlatformId), e.PlatformId, Online, e.ConnId, e.IsBackground, e.Token)).ToList())
                : new OnlineStatusText(id, Offline, null)).ToList(), ApiJson.Default.ListOnlineStatusText);
        }
        return ApiResult.Ok(ids.Select(id => online.TryGetValue(id, out var entries)
            ? new OnlineStatusCode(id, 1, entries.Select(e =>
                new PlatformStatusCode(e.PlatformId, Platforms.NameOf(e.PlatformId), e.ConnId, e.IsBackground, e.Token)).ToList())
            : new OnlineStatusCode(id, 0, null)).ToList(), ApiJson.Default.ListOnlineStatusCode);
    }

    /// <summary>The tokens of each online user, grouped by platform (one per connection); offline users are left out.</summary>
    public static async ValueTask<ApiResult> GetUsersOnlineTokenDetailAsync(UserIdsRequest request, OpenImCall call)
    {
        if (Refusal(request, call) is { } refused)
        {
            return refused;
        }
        var (ids, online) = await FindAsync(request.UserIds!, call);
        var users = ids.Where(online.ContainsKey).Select(id => (UserId: id, Platforms: online[id]
            .GroupBy(e => e.PlatformId).OrderBy(g => g.Key)
            .Select(g => (PlatformId: g.Key, Tokens: (IReadOnlyList<string>)g.Select(e => e.Token).ToList())).ToList())).ToList();
        if (call.Options.Profile == CompatProfile.V3)
        {
            return ApiResult.Ok(users.Select(u => new TokenDetailText(u.UserId, Online, u.Platforms.Select(p =>
                new PlatformTokensText(Platforms.NameOf(p.PlatformId), p.PlatformId, p.Tokens, p.Tokens.Count)).ToList())).ToList(),
                ApiJson.Default.ListTokenDetailText);
        }
        return ApiResult.Ok(users.Select(u => new TokenDetailCode(u.UserId, 1, u.Platforms.Select(p =>
            new PlatformTokensCode(p.PlatformId, Platforms.NameOf(p.PlatformId), p.Tokens.Count, p.Tokens)).ToList())).ToList(),
            ApiJson.Default.ListTokenDetailCode);
    }

    /// <summary>The requested IDs (null items read as "") and the live connections of those online, by user.</summary>
    private static async ValueTask<(List<string> Ids, Dictionary<string, List<PresenceEntry>> Online)> FindAsync(
        List<string?> requested, OpenImCall call)
    {
        var ids = requested.Select(id => id ?? "").ToList();
        var entries = await call.Services.Presence.FindAsync(ids.ToHashSet(StringComparer.Ordinal), call.Aborted);
        return (ids, entries.GroupBy(e => e.UserId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal));
    }

    /// <summary>The admin check comes first, so that only administrators learn what a valid request looks like.</summary>
    private static OpenImError? Refusal(UserIdsRequest request, OpenImCall call)
    {
        if (!call.CallerIsAdmin)
        {
            return OpenImError.NoPermission("only app manager");
        }
        return request.UserIds is null ? OpenImError.Args("userIDs is empty") : null;
    }
}
