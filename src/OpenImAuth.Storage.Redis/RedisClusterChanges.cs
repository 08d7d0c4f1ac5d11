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
        var stale = AnyStale(await Task.WhenAll(others), change.UserId);
        if (!stale && added is not null)
        {
            stale = ClusterTokenStepScript.IsStale(await Step(change, added.PlatformId, written)!, change.UserId);
        }
        if (stale)
        {
            return await ReadHashesAsync(change.UserId);
        }
        var issued = new ClusterIssuedTimesScript(change.UserId, change.Removed, added);
        if (issued.Values() is { Length: > 1 } values)
        {
            await issued.EvaluateAsync(_db, values);
            written.Add(issued.Key);
        }
        await WaitForReplicasAsync(written);
        return null;
    }

    /// <summary>The user's 11 hashes, one read each (they are in different slots), sent together.</summary>
    public async Task<HashEntry[][]> ReadHashesAsync(string userId)
    {
        var reads = new Task<HashEntry[]>[TokenHashes.PerUser];
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

    /// <summary>Whether any step found its hash stale (<see cref="ClusterTokenStepScript.IsStale"/>).</summary>
    private static bool AnyStale(RedisResult[] replies, string userId)
    {
        var stale = false;
        foreach (var reply in replies)
        {
            stale |= ClusterTokenStepScript.IsStale(reply, userId);
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
        var step = new ClusterTokenStepScript(RedisKeys.TokenHash(change.UserId, platform), keyLifetime,
            checks ? change.Basis!.Where(t => t.PlatformId == platform).ToList() : null, removed, kicked, added,
            announceKicks && kicked.Count > 0 ? RedisRevocationBus.Message(kicked) : "");
        if (step.Writes)
        {
            written.Add(step.Hash);
        }
        return step.EvaluateAsync(_db);
    }
}
