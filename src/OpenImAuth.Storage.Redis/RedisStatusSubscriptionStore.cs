using OpenImAuth.Core.Presence;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// REST online-status subscriptions in one sorted set per user (<c>OPENIMAUTH:SUBSCRIPTIONS:{userID}</c>), scored by
/// the order they were added in, so that the oldest go first past the limit. Kept until unsubscribed, as OpenIM keeps
/// them in MongoDB (docs/decisions.md, D15).
/// </summary>
public sealed class RedisStatusSubscriptionStore(IConnectionMultiplexer redis) : IStatusSubscriptionStore
{
    // One script, so that concurrent subscribes of one user neither share a score nor trim each other's additions.
    private const string SubscribeScript = """
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        local next = 0
        if last[2] then next = tonumber(last[2]) + 1 end
        for i = 2, #ARGV do
            if redis.call('ZADD', KEYS[1], 'NX', next, ARGV[i]) == 1 then next = next + 1 end
        end
        redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 1))
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    public static RedisKey Key(string userId) => "OPENIMAUTH:SUBSCRIPTIONS:" + userId;

    public async Task SubscribeAsync(string userId, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        if (targets.Count == 0)
        {
            return;
        }
        RedisValue[] args = [IStatusSubscriptionStore.MaxPerUser, .. targets.Select(t => (RedisValue)t)];
        await _db.ScriptEvaluateAsync(SubscribeScript, [Key(userId)], args);
    }

    public async Task UnsubscribeAsync(string userId, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        if (targets.Count > 0)
        {
            await _db.SortedSetRemoveAsync(Key(userId), targets.Select(t => (RedisValue)t).ToArray());
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string userId, CancellationToken cancellationToken) =>
        (await _db.SortedSetRangeByRankAsync(Key(userId))).Select(v => v.ToString()).ToList();
}
