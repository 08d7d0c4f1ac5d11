using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// All of a user's tokens in one round trip (single Redis only: the hashes are in different slots on a cluster).
/// KEYS: the user's <see cref="TokenHashes.PerUser"/> hashes in platform order; no ARGV. Reply: one HGETALL reply per
/// key, which <see cref="TokenChangesScript"/> also answers for a change whose basis went stale.
/// </summary>
internal static class UserTokensScript
{
    public const string Body = """
        local all = {}
        for k = 1, #KEYS do all[k] = redis.call('HGETALL', KEYS[k]) end
        return all
        """;

    public static async Task<StoredToken[]> EvaluateAsync(IDatabase db, string userId) =>
        ReadReply(userId, await db.ScriptEvaluateAsync(Body, TokenHashes.Keys(userId)));

    public static StoredToken[] ReadReply(string userId, RedisResult reply) => TokenHashes.Read(userId, (RedisResult[])reply!);
}
