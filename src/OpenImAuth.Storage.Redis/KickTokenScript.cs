using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Kicks one token of a (user, platform), announced as a kick of the whole hash is
/// (<see cref="KickPlatformScript"/>). KEYS: the hash, then (single Redis) the token sequence. ARGV: the token, the
/// DELETE_CACHE_AUTH message, then (single Redis) our announcement channel. Reply: 1 if it kicked the token, 0 if the
/// token was not there or already kicked.
/// </summary>
internal readonly record struct KickTokenScript(string UserId, int PlatformId, string Token, RedisChannel Announcements)
{
    private static readonly string Body = Text(sequenced: true);
    private static readonly string ClusterBody = Text(sequenced: false);

    private static string Text(bool sequenced) => $$"""
        local status = redis.call('HGET', KEYS[1], ARGV[1])
        if not status or status == '2' then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], '2')
        redis.call('PUBLISH', '{{RedisKeys.DeleteCacheAuth}}', ARGV[2])
        {{(sequenced ? KickPlatformScript.AnnounceSequenced : "")}}
        return 1
        """;

    public RedisKey Hash => RedisKeys.TokenHash(UserId, PlatformId);

    /// <summary>KEYS and ARGV in the order the script reads them.</summary>
    public (RedisKey[] Keys, RedisValue[] Values) Arguments(bool onCluster)
    {
        var hash = Hash;
        var message = RedisKeys.KeyListMessage([hash]);
        return onCluster
            ? ([hash], [Token, message])
            : ([hash, RedisKeys.TokenSequence], [Token, message, Announcements.ToString()]);
    }

    public async Task<StoredToken?> EvaluateAsync(IDatabase db, bool onCluster)
    {
        var (keys, values) = Arguments(onCluster);
        return ReadReply(await db.ScriptEvaluateAsync(onCluster ? ClusterBody : Body, keys, values));
    }

    public StoredToken? ReadReply(RedisResult reply) =>
        (long)reply == 1 ? TokenHashes.ToStoredToken(UserId, PlatformId, Token, TokenStatus.Kicked) : null;
}
