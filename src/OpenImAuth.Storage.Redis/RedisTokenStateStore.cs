using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Token state in Redis, in OpenIM's exact layout: one hash per (user, platform), field = token, value = status,
/// refreshed TTL on every write and a DELETE_CACHE_AUTH publish, as OpenIM v3.8+ does. Issuance and expiry are not
/// stored beside it: they are read back from the token's own claims. Nothing is cached in the process, so a
/// revocation written by any instance (or a Go node) is seen by the very next check on every instance.
/// </summary>
public sealed class RedisTokenStateStore(IConnectionMultiplexer redis, TimeSpan keyLifetime) : ITokenStateStore
{
    // Atomic "kick everything on this (user, platform)": a token added while a plain read-then-write ran would escape.
    private static readonly LuaScript KickAllScript = LuaScript.Prepare("""
        local fields = redis.call('HGETALL', @key)
        local changed = {}
        for i = 1, #fields, 2 do
            if fields[i + 1] ~= '2' then
                redis.call('HSET', @key, fields[i], '2')
                changed[#changed + 1] = fields[i]
            end
        end
        if #changed > 0 then
            redis.call('EXPIRE', @key, @ttl)
            redis.call('PUBLISH', @channel, @message)
        end
        return changed
        """);

    // A kick must not create a token that another writer removed meanwhile (or that never existed).
    private const string KickIfPresentScript =
        "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return redis.call('HSET', KEYS[1], ARGV[1], '2') end return 0";

    private readonly IDatabase _db = redis.GetDatabase();

    public async ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken)
    {
        var value = await _db.HashGetAsync(RedisKeys.TokenHash(userId, platformId), token);
        if (value.IsNull)
        {
            return null;
        }
        // OpenIM never writes anything but integers; anything else is treated as an unknown status (1505).
        return int.TryParse((string?)value, out var status) ? status : TokenStatus.Invalid;
    }

    public async Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken)
    {
        var reads = Enumerable.Range(Platforms.Min, Platforms.Max)
            .Select(platform => (platform, entries: _db.HashGetAllAsync(RedisKeys.TokenHash(userId, platform))))
            .ToList();
        await Task.WhenAll(reads.Select(r => r.entries));
        var tokens = new List<StoredToken>();
        foreach (var (platform, entries) in reads)
        {
            foreach (var entry in entries.Result)
            {
                tokens.Add(ToStoredToken(userId, platform, entry.Name!, entry.Value));
            }
        }
        return tokens.OrderBy(t => t.IssuedAt).ThenBy(t => t.Token, StringComparer.Ordinal).ToList();
    }

    public async Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken)
    {
        var transaction = _db.CreateTransaction();
        if (change.Basis is { } basis)
        {
            // The user's hashes must hold exactly the basis: same sizes, same statuses.
            foreach (var platform in Enumerable.Range(Platforms.Min, Platforms.Max))
            {
                transaction.AddCondition(Condition.HashLengthEqual(RedisKeys.TokenHash(change.UserId, platform),
                    basis.Count(t => t.PlatformId == platform)));
            }
            foreach (var token in basis)
            {
                transaction.AddCondition(Condition.HashEqual(RedisKeys.TokenHash(token.UserId, token.PlatformId), token.Token, token.Status));
            }
        }
        var touched = new HashSet<RedisKey>();
        foreach (var removed in change.Removed)
        {
            touched.Add(RedisKeys.TokenHash(removed.UserId, removed.PlatformId));
            _ = transaction.HashDeleteAsync(RedisKeys.TokenHash(removed.UserId, removed.PlatformId), removed.Token);
        }
        foreach (var kicked in change.Kicked)
        {
            touched.Add(RedisKeys.TokenHash(kicked.UserId, kicked.PlatformId));
            _ = transaction.ScriptEvaluateAsync(KickIfPresentScript, [RedisKeys.TokenHash(kicked.UserId, kicked.PlatformId)], [kicked.Token]);
        }
        if (change.Added is { } added)
        {
            touched.Add(RedisKeys.TokenHash(added.UserId, added.PlatformId));
            _ = transaction.HashSetAsync(RedisKeys.TokenHash(added.UserId, added.PlatformId), added.Token, added.Status);
        }
        foreach (var key in touched)
        {
            _ = transaction.KeyExpireAsync(key, keyLifetime);
        }
        if (touched.Count > 0)
        {
            _ = transaction.PublishAsync(RedisKeys.DeleteCacheAuth, RedisKeys.KeyListMessage(touched));
        }
        return await transaction.ExecuteAsync();
    }

    public async Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken)
    {
        var key = RedisKeys.TokenHash(userId, platformId);
        var result = await _db.ScriptEvaluateAsync(KickAllScript, new
        {
            key,
            ttl = (long)keyLifetime.TotalSeconds,
            channel = "DELETE_CACHE_AUTH",
            message = RedisKeys.KeyListMessage([key]),
        });
        return ((RedisValue[])result!).Select(token => ToStoredToken(userId, platformId, token!, TokenStatus.Kicked)).ToList();
    }

    private static StoredToken ToStoredToken(string userId, int platformId, string token, RedisValue status)
    {
        // A token that no longer parses (OpenIM would delete it at the next issuance) reads as long expired.
        var claims = TokenCodec.ReadClaimsUnverified(token);
        var parsedStatus = int.TryParse((string?)status, out var value) ? value : TokenStatus.Invalid;
        return new StoredToken(token, userId, platformId, parsedStatus, claims?.IssuedAt ?? 0, claims?.ExpiresAt ?? 0);
    }
}
