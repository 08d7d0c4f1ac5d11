using System.Net;
using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Token state changes on a Redis Cluster (docs/decisions.md, D18). A script there may touch keys of one slot only,
/// and OpenIM's 11 hashes of a user fall in different slots, so a change is applied as one compare-and-set step per
/// hash: each step checks the part of the basis on its own hash and writes only if that still holds. The steps on
/// other platforms run first, the step that adds the new token last, so a login whose basis went stale anywhere
/// never adds its token: it answers the user's hashes as they are now and the caller plans again, as on a single
/// Redis. What a stale plan already wrote on other platforms (kicks, removals) stays; the next plan starts from it.
/// Once applied, every master that took a write is asked (<c>WAIT</c>) for a replica's acknowledgement, so that a
/// token answered survives the failover of its master.
/// </summary>
internal sealed class RedisClusterChanges(IConnectionMultiplexer redis, TimeSpan keyLifetime, bool announceKicks, TimeSpan replicaWait)
{
    // KEYS[1]: one UID_PID_TOKEN_STATUS hash. ARGV: the TTL for a hash that has none; 1, the hash's size and count of
    // (token, status) pairs in the basis, and the pairs, or 0 (no check); the removed tokens (a count, then tokens);
    // the kicked ones likewise; 1, token, status and lifetime in seconds of the added one, or 0; the DELETE_CACHE_AUTH
    // message; the revocation message or ''; the revocation channel. Answers 1 (applied or checked), 0 (stale), or the
    // text of the error of a key that is not a hash. TTLs only ever rise, as in the single-Redis script.
    private const string StepScript = """
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
        redis.call('PUBLISH', 'DELETE_CACHE_AUTH', ARGV[i])
        if ARGV[i + 1] ~= '' then redis.call('PUBLISH', ARGV[i + 2], ARGV[i + 1]) end
        return 1
        """;

    // KEYS[1]: the user's issuance times. ARGV: a count of removed tokens, the tokens, then the added token, its
    // issuance time in ms and lifetime in seconds (or nothing).
    private const string IssuedScript = """
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

    private readonly IDatabase _db = redis.GetDatabase();

    /// <summary>Null once <paramref name="change"/> was applied; on a stale basis, the user's 11 hashes as they are.</summary>
    public async Task<HashEntry[][]?> ApplyAsync(TokenStateChange change)
    {
        var added = change.Added;
        var others = new List<Task<RedisResult>>();
        var written = new List<RedisKey>();
        for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
        {
            if (platform != added?.PlatformId && Step(change, platform, written) is { } step)
            {
                others.Add(step);
            }
        }
        var stale = Outcome(await Task.WhenAll(others), change.UserId);
        if (!stale && added is not null)
        {
            stale = Outcome([await Step(change, added.PlatformId, written)!], change.UserId);
        }
        if (stale)
        {
            return await ReadHashesAsync(change.UserId);
        }
        var issued = new List<RedisValue> { change.Removed.Count };
        issued.AddRange(change.Removed.Select(t => (RedisValue)t.Token));
        if (added is { IssuedAtMs: > 0 })
        {
            issued.AddRange([added.Token, added.IssuedAtMs, Math.Max(1, added.ExpiresAt - added.IssuedAt)]);
        }
        if (issued.Count > 1)
        {
            var times = RedisKeys.IssuedTimes(change.UserId);
            await _db.ScriptEvaluateAsync(IssuedScript, [times], [.. issued]);
            written.Add(times);
        }
        await WaitForReplicasAsync(written);
        return null;
    }

    /// <summary>The user's 11 hashes, one read each (they are in different slots), sent together.</summary>
    public async Task<HashEntry[][]> ReadHashesAsync(string userId)
    {
        var reads = new Task<HashEntry[]>[Platforms.Max - Platforms.Min + 1];
        for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
        {
            reads[platform - Platforms.Min] = _db.HashGetAllAsync(RedisKeys.TokenHash(userId, platform));
        }
        return await Task.WhenAll(reads);
    }

    /// <summary>
    /// Waits until a replica of each master that took one of <paramref name="written"/> has every write sent to it
    /// before (WAIT counts the connection's writes, and the multiplexer has one connection per master). A master
    /// without a connected replica (its replica took over and it has none yet) is not waited for: the write is on the
    /// only copy there is, which the README says. A replica that does not answer in time fails the request.
    /// </summary>
    public async Task WaitForReplicasAsync(IReadOnlyList<RedisKey> written)
    {
        var masters = new HashSet<EndPoint>();
        foreach (var key in written)
        {
            if (await _db.IdentifyEndpointAsync(key) is { } endpoint)
            {
                masters.Add(endpoint);
            }
        }
        await Task.WhenAll(masters.Select(WaitForReplicaAsync));
    }

    private async Task WaitForReplicaAsync(EndPoint endpoint)
    {
        var server = redis.GetServer(endpoint);
        if (server.ClusterConfiguration?[endpoint] is not { } node || !node.Children.Any(replica => replica.IsConnected))
        {
            return;
        }
        var acknowledged = (long)await server.ExecuteAsync("WAIT", 1, (long)replicaWait.TotalMilliseconds);
        if (acknowledged < 1)
        {
            throw new RedisTimeoutException(CommandFlags.None,
                $"no replica of {endpoint} acknowledged a token write within {replicaWait.TotalMilliseconds} ms", CommandStatus.Sent);
        }
    }

    /// <summary>Whether any step found its hash stale; a step's error text (a key that is not a hash) fails the change.</summary>
    private static bool Outcome(RedisResult[] outcomes, string userId)
    {
        var stale = false;
        foreach (var outcome in outcomes)
        {
            if (outcome.Resp2Type != ResultType.Integer)
            {
                throw new InvalidOperationException($"redis refused the token change of user {userId}: {outcome}");
            }
            stale |= (long)outcome == 0;
        }
        return stale;
    }

    /// <summary>The step of <paramref name="change"/> on one platform's hash, or null when it neither checks nor writes there.</summary>
    private Task<RedisResult>? Step(TokenStateChange change, int platform, List<RedisKey> written)
    {
        var removed = change.Removed.Where(t => t.PlatformId == platform).ToList();
        var kicked = change.Kicked.Where(t => t.PlatformId == platform).ToList();
        var added = change.Added?.PlatformId == platform ? change.Added : null;
        var checks = change.Basis is not null && change.CheckedPlatforms.Contains(platform);
        if (!checks && removed.Count + kicked.Count == 0 && added is null)
        {
            return null;
        }
        var key = RedisKeys.TokenHash(change.UserId, platform);
        var args = new List<RedisValue> { (long)keyLifetime.TotalSeconds };
        if (checks)
        {
            var basis = change.Basis!.Where(t => t.PlatformId == platform).ToList();
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
        args.Add(removed.Count);
        args.AddRange(removed.Select(t => (RedisValue)t.Token));
        args.Add(kicked.Count);
        args.AddRange(kicked.Select(t => (RedisValue)t.Token));
        if (added is not null)
        {
            args.AddRange([1, added.Token, added.Status, Math.Max(1, added.ExpiresAt - added.IssuedAt)]);
        }
        else
        {
            args.Add(0);
        }
        args.Add(RedisKeys.KeyListMessage([key]));
        args.Add(announceKicks && kicked.Count > 0 ? RedisRevocationBus.Message(kicked) : "");
        args.Add(RedisKeys.Revoked.ToString());
        if (removed.Count + kicked.Count > 0 || added is not null)
        {
            written.Add(key);
        }
        return _db.ScriptEvaluateAsync(StepScript, [key], [.. args]);
    }
}
