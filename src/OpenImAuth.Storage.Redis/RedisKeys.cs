using System.Text;
using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>OpenIM's own Redis layout (docs/decisions.md, D8 and W6), so that Go OpenIM nodes sharing the Redis agree with us.</summary>
public static class RedisKeys
{
    /// <summary>OpenIM publishes the affected hash keys here on every token write (local-cache.yml auth.topic).</summary>
    public static readonly RedisChannel DeleteCacheAuth = RedisChannel.Literal("DELETE_CACHE_AUTH");

    /// <summary>Our own channel: revoked tokens, for the gateways of every instance.</summary>
    public static readonly RedisChannel Revoked = RedisChannel.Literal("OPENIMAUTH:REVOKED");

    /// <summary>
    /// Ours: incremented by every token write of ours, in the same script as the write, so that a check can tell
    /// whether this instance has heard of every write completed before it (see <see cref="RedisTokenCheckCache"/>).
    /// </summary>
    public static readonly RedisKey TokenSequence = "OPENIMAUTH:TOKEN_SEQ";

    /// <summary>
    /// Ours: <c>{sequence}\n{key}\n…</c> for every token write, in sequence order. Channels are server-wide, not per
    /// database, so the database number is part of the name: deployments on other databases stay apart.
    /// </summary>
    public static RedisChannel TokensChanged(int database) => RedisChannel.Literal($"OPENIMAUTH:TOKENS_CHANGED:{database}");

    /// <summary>
    /// Ours: when each of the user's tokens was issued (field = the token, value = Unix milliseconds), beside OpenIM's
    /// hashes, which have no room for it; revocation marks and the sessions route read it.
    /// </summary>
    public static RedisKey IssuedTimes(string userId) => $"OPENIMAUTH:ISSUED:{userId}";

    /// <summary>Ours: the revocation marks; field = <c>{platformID}:{userID}</c> (<c>0:</c> for the whole app), value = Unix ms.</summary>
    public static readonly RedisKey RevocationMarks = "OPENIMAUTH:REVOCATION_MARKS";

    /// <summary>Ours: <c>{field}\n{value}</c> for every mark change (value empty once cleared); per database, as above.</summary>
    public static RedisChannel RevocationMarksChanged(int database) => RedisChannel.Literal($"OPENIMAUTH:REVOCATION_MARKS:{database}");

    /// <summary>OpenIM publishes the user cache keys it deleted here, as a JSON array (local-cache.yml user.topic).</summary>
    public static readonly RedisChannel DeleteCacheUser = RedisChannel.Literal("DELETE_CACHE_USER");

    /// <summary>OpenIM's cache of a user record (rockscache, filled by its user service); every change deletes it.</summary>
    public static RedisKey UserInfo(string userId) => UserInfoPrefix + userId;

    /// <summary>OpenIM's cache of a user's globalRecvMsgOpt; every change deletes it with <see cref="UserInfo"/>.</summary>
    public static RedisKey UserGlobalRecvMsgOpt(string userId) => UserGlobalRecvMsgOptPrefix + userId;

    /// <summary>The userID of a <see cref="UserInfo"/> or <see cref="UserGlobalRecvMsgOpt"/> key name, or null for any other key.</summary>
    public static string? UserOfUserCacheKey(string key) =>
        key.StartsWith(UserInfoPrefix, StringComparison.Ordinal) ? key[UserInfoPrefix.Length..]
        : key.StartsWith(UserGlobalRecvMsgOptPrefix, StringComparison.Ordinal) ? key[UserGlobalRecvMsgOptPrefix.Length..]
        : null;

    private const string UserInfoPrefix = "USER_INFO:";
    private const string UserGlobalRecvMsgOptPrefix = "USER_GLOBAL_RECV_MSG_OPT_KEY:";

    /// <summary>Ours: incremented by every user change of ours, as <see cref="TokenSequence"/> is by token writes (see <see cref="RedisUserCache"/>).</summary>
    public static readonly RedisKey UserSequence = "OPENIMAUTH:USER_SEQ";

    /// <summary>Ours: <c>{sequence}\n{userID}\n…</c> for every user change of ours; per database, as above.</summary>
    public static RedisChannel UsersChanged(int database) => RedisChannel.Literal($"OPENIMAUTH:USERS_CHANGED:{database}");

    /// <summary><c>UID_PID_TOKEN_STATUS:{userID}:{PlatformName}</c>; field = the JWT, value = its status.</summary>
    public static RedisKey TokenHash(string userId, int platformId) =>
        $"UID_PID_TOKEN_STATUS:{userId}:{Platforms.NameOf(platformId)}";

    /// <summary>The userID in a <see cref="TokenHash"/> key name, or null for any other key.</summary>
    public static string? UserOfTokenHash(string key)
    {
        const string Prefix = "UID_PID_TOKEN_STATUS:";
        var lastColon = key.LastIndexOf(':');
        return key.StartsWith(Prefix, StringComparison.Ordinal) && lastColon > Prefix.Length
            ? key[Prefix.Length..lastColon]
            : null;
    }

    /// <summary>OpenIM's DELETE_CACHE_AUTH payload: a JSON array of key names.</summary>
    public static RedisValue KeyListMessage(IEnumerable<RedisKey> keys) => $"[{KeyListItems(keys)}]";

    /// <summary>The elements of <see cref="KeyListMessage"/> without its brackets, for scripts that join several.</summary>
    public static string KeyListItems(IEnumerable<RedisKey> keys)
    {
        var json = new StringBuilder();
        foreach (var key in keys)
        {
            if (json.Length > 0)
            {
                json.Append(',');
            }
            json.Append(System.Text.Json.JsonSerializer.Serialize((string)key!, RedisJson.Default.String));
        }
        return json.ToString();
    }
}
