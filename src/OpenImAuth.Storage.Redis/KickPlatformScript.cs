using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Kicks every token of one (user, platform) atomically: a token added while a plain read-then-write ran would escape.
/// KEYS: the hash, then (single Redis) the token sequence. ARGV: the TTL for a hash that has none, the
/// DELETE_CACHE_AUTH message, then (single Redis) our announcement channel. Reply: the tokens it kicked. On a cluster
/// the sequence (one key) is in another slot than the hash and the check cache is off (D18), so the cluster's
/// script leaves the sequence out.
/// </summary>
internal readonly record struct KickPlatformScript(string UserId, int PlatformId, TimeSpan KeyLifetime, RedisChannel Announcements)
{
    private static readonly string Body = Text(sequenced: true);
    private static readonly string ClusterBody = Text(sequenced: false);

    private static string Text(bool sequenced) => $$"""
        local fields = redis.call('HGETALL', KEYS[1])
        local changed = {}
        for i = 1, #fields, 2 do
            if fields[i + 1] ~= '2' then
                redis.call('HSET', KEYS[1], fields[i], '2')
                changed[#changed + 1] = fields[i]
            end
        end
        if #changed > 0 then
            -- A kick makes no token live longer, so the TTL (which covers the longest-lived token) stays as it is;
            -- only a hash without one (not written by us) gets one, as OpenIM gives every hash.
            if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
            redis.call('PUBLISH', '{{RedisKeys.DeleteCacheAuth}}', ARGV[2])
            {{(sequenced ? AnnounceSequenced : "")}}
        end
        return changed
        """;

    /// <summary>
    /// For the check cache, in both kick scripts: the write's sequence number and key, on our announcement channel
    /// (KEYS[2] the sequence, ARGV[3] the channel).
    /// </summary>
    public const string AnnounceSequenced = "redis.call('PUBLISH', ARGV[3], redis.call('INCR', KEYS[2]) .. '\\n' .. KEYS[1])";

    public RedisKey Hash => RedisKeys.TokenHash(UserId, PlatformId);

    /// <summary>KEYS and ARGV in the order the script reads them.</summary>
    public (RedisKey[] Keys, RedisValue[] Values) Arguments(bool onCluster)
    {
        var hash = Hash;
        var message = RedisKeys.KeyListMessage([hash]);
        return onCluster
            ? ([hash], [(long)KeyLifetime.TotalSeconds, message])
            : ([hash, RedisKeys.TokenSequence], [(long)KeyLifetime.TotalSeconds, message, Announcements.ToString()]);
    }

    public async Task<IReadOnlyList<StoredToken>> EvaluateAsync(IDatabase db, bool onCluster)
    {
        var (keys, values) = Arguments(onCluster);
        return ReadReply(await db.ScriptEvaluateAsync(onCluster ? ClusterBody : Body, keys, values));
    }

    public IReadOnlyList<StoredToken> ReadReply(RedisResult reply)
    {
        var (userId, platformId) = (UserId, PlatformId);
        return ((RedisValue[])reply!).Select(token => TokenHashes.ToStoredToken(userId, platformId, token!, TokenStatus.Kicked)).ToList();
    }
}
