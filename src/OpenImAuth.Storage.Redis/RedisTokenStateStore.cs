using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Token state in Redis, in OpenIM's exact layout: one hash per (user, platform), field = token, value = status,
/// a TTL and a DELETE_CACHE_AUTH publish on every write, as OpenIM v3.8+ does; unlike OpenIM's, the TTL is only ever
/// raised, to the lifetime of the token added (see <see cref="RedisChangeBatcher"/>), and
/// <paramref name="keyLifetime"/> (the longest a token may live) is given only to a hash that has none. Issuance and expiry are not
/// stored beside it: they are read back from the token's own claims. Checks go through
/// <paramref name="checkCache"/> when there is one (a revocation by any instance of ours is still seen by the very
/// next check everywhere); without it every check reads Redis, which also sees a Go node's write at once. With
/// <paramref name="announceKicks"/>, an applied change publishes its kicked tokens on <see cref="RedisKeys.Revoked"/>
/// from its own script, as <see cref="RedisRevocationBus"/> would, so a kicking login makes one round trip, not two.
/// Changes are applied by <see cref="RedisChangeBatcher"/>: the changes of concurrent logins share a script.
/// </summary>
public sealed class RedisTokenStateStore(IConnectionMultiplexer redis, TimeSpan keyLifetime, RedisTokenCheckCache? checkCache = null,
    bool announceKicks = false, int hintedTokens = RedisTokenStateStore.DefaultHintedTokens, TimeSpan? clusterReplicaWait = null)
    : ITokenStateStore
{
    // Atomic "kick everything on this (user, platform)": a token added while a plain read-then-write ran would escape.
    private static readonly LuaScript KickAllScript = LuaScript.Prepare(KickAll(Sequenced));

    private static readonly LuaScript ClusterKickAllScript = LuaScript.Prepare(KickAll(""));

    private static string KickAll(string sequenced) => $$"""
        local fields = redis.call('HGETALL', @key)
        local changed = {}
        for i = 1, #fields, 2 do
            if fields[i + 1] ~= '2' then
                redis.call('HSET', @key, fields[i], '2')
                changed[#changed + 1] = fields[i]
            end
        end
        if #changed > 0 then
            -- A kick makes no token live longer, so the TTL (which covers the longest-lived token) stays as it is;
            -- only a hash without one (not written by us) gets one, as OpenIM gives every hash.
            if redis.call('TTL', @key) == -1 then redis.call('EXPIRE', @key, @ttl) end
            redis.call('PUBLISH', @channel, @message)
            {{sequenced}}
        end
        return changed
        """;

    // One token of a (user, platform) kicked, announced as a kick of the whole hash is.
    private static readonly LuaScript KickOneScript = LuaScript.Prepare(KickOne(Sequenced));

    private static readonly LuaScript ClusterKickOneScript = LuaScript.Prepare(KickOne(""));

    private static string KickOne(string sequenced) => $$"""
        local status = redis.call('HGET', @key, @token)
        if not status or status == '2' then return 0 end
        redis.call('HSET', @key, @token, '2')
        redis.call('PUBLISH', @channel, @message)
        {{sequenced}}
        return 1
        """;

    // For the check cache: the write's sequence number and key. Not on a cluster, where the sequence (one key) is in
    // another slot than the hash and the check cache is off (D18).
    private const string Sequenced = "redis.call('PUBLISH', @announce, redis.call('INCR', @sequence) .. '\\n' .. @key)";

    /// <summary>
    /// How many tokens an instance remembers as the basis of its users' next logins by default: those of some 500,000
    /// users who each hold three or four, or of 100,000 who each keep 5 live and 8 kicked ones, about 200 MB at most
    /// (some 95 bytes a token of OpenIM's layout, kept compact; a token of any other shape counts one more per 72 bytes
    /// of its text). A login of a user whose tokens are not remembered, or no longer, costs a second script.
    /// </summary>
    public const int DefaultHintedTokens = 2_097_152;

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly UserTokenHints _hints = new(hintedTokens);
    private readonly RedisChannel _announcements = RedisKeys.TokensChanged(redis.GetDatabase().Database);

    // Every change of this store goes through one batcher: the changes waiting while a script runs share the next.
    private readonly RedisChangeBatcher _changes = new(redis.GetDatabase(), keyLifetime,
        RedisKeys.TokensChanged(redis.GetDatabase().Database), announceKicks);

    // On a Redis Cluster (clusterReplicaWait given): changes split into single-slot steps, acknowledged by a replica.
    private readonly RedisClusterChanges? _cluster = clusterReplicaWait is { } wait
        ? new RedisClusterChanges(redis, keyLifetime, announceKicks, wait)
        : null;

    public bool AnnouncesKicks => announceKicks;

    public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken)
    {
        var key = RedisKeys.TokenHash(userId, platformId);
        return checkCache is null ? ReadStatusAsync(key, token) : checkCache.GetStatusAsync(key, token, ParseStatus);
    }

    private async ValueTask<int?> ReadStatusAsync(RedisKey key, string token) => ParseStatus(await _db.HashGetAsync(key, token));

    private static int? ParseStatus(RedisValue value) =>
        value.IsNull ? null
        // OpenIM never writes anything but integers; anything else is treated as an unknown status (1505).
        : int.TryParse((string?)value, out var status) ? status : TokenStatus.Invalid;

    // One round trip for all of a user's platform hashes: KEYS are the 11 hashes, the reply one HGETALL per key.
    private const string UserTokensScript = """
        local all = {}
        for k = 1, #KEYS do all[k] = redis.call('HGETALL', KEYS[k]) end
        return all
        """;

    public async Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken)
    {
        var tokens = _cluster is null
            ? ReadUserTokens(userId, (RedisResult[])(await _db.ScriptEvaluateAsync(UserTokensScript, PlatformHashKeys(userId)))!)
            : ReadUserTokens(userId, await _cluster.ReadHashesAsync(userId));
        _hints.Set(userId, tokens);
        return tokens;
    }

    /// <summary>
    /// What this instance last wrote or read for the user, or no tokens for a user it has not seen: right for a new
    /// user or one whose hashes expired with their last token, and for the others the apply script answers the wrong
    /// guess with their tokens, which costs the same round trip a read first would have.
    /// </summary>
    public Task<IReadOnlyList<StoredToken>> GetPlanningBasisAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredToken>>(_hints.TryGet(userId, out var tokens) ? tokens : []);

    private static RedisKey[] PlatformHashKeys(string userId)
    {
        var keys = new RedisKey[Platforms.Max - Platforms.Min + 1];
        for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
        {
            keys[platform - Platforms.Min] = RedisKeys.TokenHash(userId, platform);
        }
        return keys;
    }

    /// <summary>One HGETALL reply per platform hash, as the user's tokens in <see cref="StoredToken.OldestFirst"/> order.</summary>
    private static StoredToken[] ReadUserTokens(string userId, RedisResult[] hashes)
    {
        var tokens = new List<StoredToken>();
        for (var k = 0; k < hashes.Length; k++)
        {
            var fields = (RedisValue[])hashes[k]!;
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                tokens.Add(ToStoredToken(userId, Platforms.Min + k, fields[i]!, fields[i + 1]));
            }
        }
        return Sorted(tokens);
    }

    /// <summary>The user's hashes read one by one (on a cluster), as <see cref="ReadUserTokens(string, RedisResult[])"/> does.</summary>
    private static StoredToken[] ReadUserTokens(string userId, HashEntry[][] hashes)
    {
        var tokens = new List<StoredToken>();
        for (var k = 0; k < hashes.Length; k++)
        {
            tokens.AddRange(hashes[k].Select(entry => ToStoredToken(userId, Platforms.Min + k, entry.Name!, entry.Value)));
        }
        return Sorted(tokens);
    }

    private static StoredToken[] Sorted(List<StoredToken> tokens)
    {
        var sorted = tokens.ToArray();
        Array.Sort(sorted, StoredToken.OldestFirst);
        return sorted;
    }

    /// <summary>The user's tokens after <paramref name="change"/> was applied to its basis.</summary>
    private static StoredToken[] AfterChange(TokenStateChange change, IReadOnlyList<StoredToken> basis)
    {
        var tokens = new List<StoredToken>(basis.Count + 1);
        foreach (var token in basis)
        {
            if (Contains(change.Removed, token) || (change.Added is { } same && same.PlatformId == token.PlatformId && same.Token == token.Token))
            {
                continue;
            }
            tokens.Add(Contains(change.Kicked, token) ? token with { Status = TokenStatus.Kicked } : token);
        }
        if (change.Added is { } added)
        {
            tokens.Add(added);
        }
        var sorted = tokens.ToArray();
        Array.Sort(sorted, StoredToken.OldestFirst);
        return sorted;

        static bool Contains(IReadOnlyList<StoredToken> tokens, StoredToken token)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                if (tokens[i].PlatformId == token.PlatformId && tokens[i].Token == token.Token)
                {
                    return true;
                }
            }
            return false;
        }
    }

    public async Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken)
    {
        RedisResult result;
        try
        {
            if (_cluster is not null)
            {
                if (await _cluster.ApplyAsync(change) is { } current)
                {
                    _hints.Set(change.UserId, ReadUserTokens(change.UserId, current));
                    return false;
                }
                result = RedisResult.Create(1);
            }
            else
            {
                result = await _changes.ApplyAsync(change);
            }
        }
        catch
        {
            _hints.Forget(change.UserId); // it may or may not have been applied
            throw;
        }
        if (result.Resp2Type == ResultType.Array)
        {
            _hints.Set(change.UserId, ReadUserTokens(change.UserId, (RedisResult[])result!));
            return false;
        }
        if (result.Resp2Type != ResultType.Integer || (long)result != 1)
        {
            // The script wrote nothing of this change (its error, as text) while the rest of its batch went on.
            _hints.Forget(change.UserId);
            throw new InvalidOperationException($"redis refused the token change of user {change.UserId}: {result}");
        }
        if (change.Basis is { } applied)
        {
            _hints.Set(change.UserId, AfterChange(change, applied));
        }
        else
        {
            _hints.Forget(change.UserId);
        }
        return true;
    }

    public async Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken)
    {
        var key = RedisKeys.TokenHash(userId, platformId);
        _hints.Forget(userId);
        // The cluster's script is the same without the sequence, and leaves the arguments it does not name unused.
        var result = await _db.ScriptEvaluateAsync(_cluster is null ? KickAllScript : ClusterKickAllScript, new
        {
            key,
            ttl = (long)keyLifetime.TotalSeconds,
            channel = "DELETE_CACHE_AUTH",
            message = RedisKeys.KeyListMessage([key]),
            sequence = RedisKeys.TokenSequence,
            announce = _announcements.ToString(),
        });
        await WaitForReplicaAsync(key);
        return ((RedisValue[])result!).Select(token => ToStoredToken(userId, platformId, token!, TokenStatus.Kicked)).ToList();
    }

    public async Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken)
    {
        var key = RedisKeys.TokenHash(userId, platformId);
        _hints.Forget(userId);
        var kicked = (long)await _db.ScriptEvaluateAsync(_cluster is null ? KickOneScript : ClusterKickOneScript, new
        {
            key,
            token,
            channel = "DELETE_CACHE_AUTH",
            message = RedisKeys.KeyListMessage([key]),
            sequence = RedisKeys.TokenSequence,
            announce = _announcements.ToString(),
        });
        await WaitForReplicaAsync(key);
        return kicked == 1 ? ToStoredToken(userId, platformId, token, TokenStatus.Kicked) : null;
    }

    private Task WaitForReplicaAsync(RedisKey written) => _cluster?.WaitForReplicasAsync([written]) ?? Task.CompletedTask;

    public async ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ParseMs(await _db.HashGetAsync(RedisKeys.IssuedTimes(userId), token));

    public async Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken)
    {
        var times = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in await _db.HashGetAllAsync(RedisKeys.IssuedTimes(userId)))
        {
            if (ParseMs(entry.Value) is { } ms)
            {
                times[(string)entry.Name!] = ms;
            }
        }
        return times;
    }

    private static long? ParseMs(RedisValue value) => long.TryParse((string?)value, out var ms) && ms > 0 ? ms : null;

    private static StoredToken ToStoredToken(string userId, int platformId, string token, RedisValue status)
    {
        // A token that no longer parses (OpenIM would delete it at the next issuance) reads as long expired.
        var claims = TokenCodec.ReadClaimsUnverified(token);
        var parsedStatus = int.TryParse((string?)status, out var value) ? value : TokenStatus.Invalid;
        return new StoredToken(token, userId, platformId, parsedStatus, claims?.IssuedAt ?? 0, claims?.ExpiresAt ?? 0);
    }
}
