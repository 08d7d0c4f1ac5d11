using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// One compare-and-set step of a token change on a Redis Cluster, on one platform's hash (<see cref="RedisClusterChanges"/>).
/// KEYS[1]: the hash. ARGV: the TTL for a hash that has none; 1, the hash's size and count of (token, status) pairs
/// in the basis, and the pairs, or 0 (no check); the removed tokens (a count, then tokens); the kicked ones likewise;
/// 1, token, status and lifetime in seconds of the added one, or 0; the DELETE_CACHE_AUTH message; the revocation
/// message or ''; the revocation channel. Reply: 1 (applied or checked), 0 (stale), or the text of the error of a key
/// that is not a hash (<see cref="IsStale"/>). TTLs only ever rise, as in <see cref="TokenChangesScript"/>.
/// </summary>
internal readonly record struct ClusterTokenStepScript(
    RedisKey Hash, TimeSpan KeyLifetime, IReadOnlyList<StoredToken>? Basis, IReadOnlyList<StoredToken> Removed,
    IReadOnlyList<StoredToken> Kicked, StoredToken? Added, RedisValue RevocationMessage)
{
    private static readonly string Body = $$"""
        local size = redis.pcall('HLEN', KEYS[1])
        if type(size) == 'table' then return size.err end
        local i = 3
        if ARGV[2] == '1' then
            if size ~= tonumber(ARGV[3]) then return 0 end
            local n = tonumber(ARGV[4]); i = 5
            for _ = 1, n do
                if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return 0 end
                i = i + 2
            end
        end
        local removed = tonumber(ARGV[i]); i = i + 1
        for _ = 1, removed do redis.call('HDEL', KEYS[1], ARGV[i]); i = i + 1 end
        local kicked = tonumber(ARGV[i]); i = i + 1
        for _ = 1, kicked do
            if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then redis.call('HSET', KEYS[1], ARGV[i], '2') end
            i = i + 1
        end
        local seconds = 0
        if ARGV[i] == '1' then
            redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2]); seconds = tonumber(ARGV[i + 3]); i = i + 4
        elseif removed + kicked == 0 then
            return 1
        else
            i = i + 1
        end
        local ttl = redis.call('TTL', KEYS[1])
        if ttl == -1 then
            redis.call('EXPIRE', KEYS[1], seconds > 0 and seconds or ARGV[1])
        elseif ttl >= 0 and ttl < seconds then
            redis.call('EXPIRE', KEYS[1], seconds)
        end
        redis.call('PUBLISH', '{{RedisKeys.DeleteCacheAuth}}', ARGV[i])
        if ARGV[i + 1] ~= '' then redis.call('PUBLISH', ARGV[i + 2], ARGV[i + 1]) end
        return 1
        """;

    /// <summary>Whether the step writes (it may only check).</summary>
    public bool Writes => Removed.Count + Kicked.Count > 0 || Added is not null;

    /// <summary>ARGV in the order the script reads them; KEYS is <see cref="Hash"/> alone.</summary>
    public RedisValue[] Values()
    {
        var args = new List<RedisValue> { (long)KeyLifetime.TotalSeconds };
        if (Basis is { } basis)
        {
            args.AddRange([1, basis.Count, basis.Count]);
            foreach (var token in basis)
            {
                args.AddRange([token.Token, token.Status]);
            }
        }
        else
        {
            args.Add(0);
        }
        args.Add(Removed.Count);
        args.AddRange(Removed.Select(t => (RedisValue)t.Token));
        args.Add(Kicked.Count);
        args.AddRange(Kicked.Select(t => (RedisValue)t.Token));
        if (Added is { } added)
        {
            args.AddRange([1, added.Token, added.Status, Math.Max(1, added.ExpiresAt - added.IssuedAt)]);
        }
        else
        {
            args.Add(0);
        }
        args.Add(RedisKeys.KeyListMessage([Hash]));
        args.Add(RevocationMessage);
        args.Add(RedisKeys.Revoked.ToString());
        return [.. args];
    }

    public Task<RedisResult> EvaluateAsync(IDatabase db) => db.ScriptEvaluateAsync(Body, [Hash], Values());

    /// <summary>Whether the step found its hash stale; the error text of a key that is not a hash fails the change.</summary>
    public static bool IsStale(RedisResult reply, string userId) => reply.Resp2Type == ResultType.Integer
        ? (long)reply == 0
        : throw new InvalidOperationException($"redis refused the token change of user {userId}: {reply}");
}
