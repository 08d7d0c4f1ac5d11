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
        return checkCache is null ? ReadStatusAsync(key, token) : checkCache.GetStatusAsync(key, token, TokenHashes.ParseStatus);
    }

    private async ValueTask<int?> ReadStatusAsync(RedisKey key, string token) => TokenHashes.ParseStatus(await _db.HashGetAsync(key, token));

    public async Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken)
    {
        var tokens = _cluster is null
            ? await UserTokensScript.EvaluateAsync(_db, userId)
            : TokenHashes.Read(userId, await _cluster.ReadHashesAsync(userId));
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
        return TokenHashes.Sorted(tokens);

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
        HashEntry[][]? clusterCurrent = null;
        TokenChangeOutcome outcome = default;
        try
        {
            if (_cluster is not null)
            {
                clusterCurrent = await _cluster.ApplyAsync(change);
            }
            else
            {
                outcome = await _changes.ApplyAsync(change);
            }
        }
        catch
        {
            _hints.Forget(change.UserId); // it may or may not have been applied
            throw;
        }
        if (clusterCurrent is not null || outcome.Stale)
        {
            // Stale: nothing written, and the user's tokens as they are now, the basis of the caller's next plan.
            _hints.Set(change.UserId, clusterCurrent is not null
                ? TokenHashes.Read(change.UserId, clusterCurrent)
                : outcome.CurrentTokens(change.UserId));
            return false;
        }
        if (_cluster is null && !outcome.Applied)
        {
            // The script wrote nothing of this change (its error, as text) while the rest of its batch went on.
            _hints.Forget(change.UserId);
            throw new InvalidOperationException($"redis refused the token change of user {change.UserId}: {outcome}");
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
        var kick = new KickPlatformScript(userId, platformId, keyLifetime, _announcements);
        _hints.Forget(userId);
        var kicked = await kick.EvaluateAsync(_db, onCluster: _cluster is not null);
        await WaitForReplicaAsync(kick.Hash);
        return kicked;
    }

    public async Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken)
    {
        var kick = new KickTokenScript(userId, platformId, token, _announcements);
        _hints.Forget(userId);
        var kicked = await kick.EvaluateAsync(_db, onCluster: _cluster is not null);
        await WaitForReplicaAsync(kick.Hash);
        return kicked;
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
}
