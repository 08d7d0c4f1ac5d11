using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>The announcing half of <see cref="RedisUserCache"/>: what every change of ours tells the others.</summary>
public sealed partial class RedisUserCache
{
    private const string AnnounceScript = """
        local n = redis.call('INCR', KEYS[1])
        redis.call('PUBLISH', ARGV[1], n .. '\n' .. ARGV[2])
        redis.call('PUBLISH', ARGV[3], ARGV[4])
        return n
        """;

    // How long a change whose announcement failed waits before it is announced again.
    private static readonly TimeSpan AnnounceRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a change of these users was committed: deletes OpenIM's cache keys of each, then announces the change
    /// to every instance and to Go nodes. Forgets them here first, so no read that began before the change keeps it.
    /// </summary>
    internal async Task AnnounceAsync(IReadOnlyCollection<string> userIds)
    {
        if (userIds.Count == 0)
        {
            return;
        }
        foreach (var userId in userIds)
        {
            Forget(userId);
        }
        try
        {
            await DeleteAndAnnounceAsync(userIds);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The change is stored whatever the caller is told: other instances and Go nodes must still hear of it.
            _ = AnnounceUntilHeardAsync(userIds);
            throw;
        }
    }

    private async Task AnnounceUntilHeardAsync(IReadOnlyCollection<string> userIds)
    {
        while (true)
        {
            await Task.Delay(AnnounceRetry, _time);
            try
            {
                await DeleteAndAnnounceAsync(userIds);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis is still away; try again.
            }
        }
    }

    private async Task DeleteAndAnnounceAsync(IReadOnlyCollection<string> userIds)
    {
        var keys = userIds.SelectMany(id => new[] { RedisKeys.UserInfo(id), RedisKeys.UserGlobalRecvMsgOpt(id) }).ToList();
        // One DEL per key, pipelined: the keys lie in different slots of a Redis Cluster.
        await Task.WhenAll(keys.Select(key => _db.KeyDeleteAsync(key)));
        await _db.ScriptEvaluateAsync(AnnounceScript, [RedisKeys.UserSequence],
            [(RedisValue)RedisKeys.UsersChanged(_db.Database).ToString(), string.Join('\n', userIds),
             (RedisValue)RedisKeys.DeleteCacheUser.ToString(), RedisKeys.KeyListMessage(keys)]);
    }
}
