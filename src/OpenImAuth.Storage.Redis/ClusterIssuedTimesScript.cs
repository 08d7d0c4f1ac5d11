using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// A token change's part on the user's issuance times (<see cref="RedisKeys.IssuedTimes"/>) on a Redis Cluster, where
/// that hash is in a slot of its own (<see cref="RedisClusterChanges"/>). KEYS[1]: the issuance times. ARGV: a count
/// of removed tokens, the tokens, then the added token, its issuance time in ms and lifetime in seconds (or nothing).
/// Reply: 1.
/// </summary>
internal readonly record struct ClusterIssuedTimesScript(string UserId, IReadOnlyList<StoredToken> Removed, StoredToken? Added)
{
    private const string Body = """
        local n = tonumber(ARGV[1])
        for i = 2, n + 1 do redis.call('HDEL', KEYS[1], ARGV[i]) end
        local at = n + 2
        if ARGV[at] then
            local seconds = tonumber(ARGV[at + 2])
            redis.call('HSET', KEYS[1], ARGV[at], ARGV[at + 1])
            if redis.call('TTL', KEYS[1]) < seconds then redis.call('EXPIRE', KEYS[1], seconds) end
        end
        return 1
        """;

    public RedisKey Key => RedisKeys.IssuedTimes(UserId);

    /// <summary>ARGV in the order the script reads them; with one element only, there is nothing to write.</summary>
    public RedisValue[] Values()
    {
        var args = new List<RedisValue> { Removed.Count };
        args.AddRange(Removed.Select(t => (RedisValue)t.Token));
        if (Added is { IssuedAtMs: > 0 } added)
        {
            args.AddRange([added.Token, added.IssuedAtMs, Math.Max(1, added.ExpiresAt - added.IssuedAt)]);
        }
        return [.. args];
    }

    public Task<RedisResult> EvaluateAsync(IDatabase db, RedisValue[] values) => db.ScriptEvaluateAsync(Body, [Key], values);
}
