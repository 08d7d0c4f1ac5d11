using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// The contract of the script that applies a batch of token changes on a single Redis (<see cref="RedisChangeBatcher"/>
/// sends it): its KEYS and ARGV (<see cref="Arguments"/>, written in the order <see cref="Body"/> reads them), the Lua
/// itself, and its reply (<see cref="ReadReplies"/>, one <see cref="TokenChangeOutcome"/> per change). Each change is
/// checked against its own basis and applied or refused on its own, atomically; the changes of one run share one
/// sequence number and one message on each channel.
/// </summary>
internal static class TokenChangesScript
{
    /// <summary>Per change: the user's platform hashes, then the user's issuance times (<see cref="RedisKeys.IssuedTimes"/>).</summary>
    private const int KeysPerChange = TokenHashes.PerUser + 1;

    // KEYS: each change's platform hashes (11) and its user's issuance-time hash in turn, then the sequence. ARGV:
    // the TTL for a hash that has none, the number of changes, our announcement channel and the revocation channel,
    // then one block per change: its length; 1 and the basis (the size of each hash the check covers, -1 for the
    // others, then (key index, token, status) runs of the covered ones) or 0; the removed, kicked and added runs
    // (the added token's run ends with its lifetime in seconds); the added token's issuance time in ms, or ''; its
    // touched keys as JSON strings for DELETE_CACHE_AUTH; its kicked tokens as JSON objects for the revocation
    // channel, or ''. The check covers the platforms the plan depends on and every one it writes to
    // (TokenStateChange.CheckedPlatforms); a login on one platform under policy 1 sizes one hash instead of 11 and
    // sends its user's other tokens not at all, which was about a third of Redis's time per login. Before a change
    // writes anything, the hashes it covers (all 11 without a basis) are sized with pcall: a key that is not a hash
    // (WRONGTYPE) fails that change alone, answered by the error's text, rather than aborting the script halfway
    // through the batch with the earlier changes written but never announced. A change whose covered hashes no
    // longer hold exactly its basis there changes nothing and answers all 11 as they are (one HGETALL reply per
    // platform); an applied one answers 1. A kick only marks a token still present (a kick must not create one).
    // Then the TTL of every touched hash is raised to the longest lifetime added to it, never lowered: OpenIM's
    // plain EXPIRE with its own lifetime cuts a longer-lived token's state short (its bug #2399), and tokens here
    // may each live as long as asked. EXPIRE's GT would treat a hash without a TTL (one just created) as never
    // expiring, hence TTL first. A hash left without one gets the longest lifetime there is. Then the applied
    // changes are announced together: their keys on DELETE_CACHE_AUTH, as OpenIM does, the next sequence number
    // with the keys on ours, and their kicked tokens on the revocation channel.
    public static readonly string Body = $$"""
        local results, touched, touchedKeys, cacheParts, revokedParts = {}, {}, {}, {}, {}
        local function touch(key, seconds)
            if not touched[key] then touched[key] = 0; touchedKeys[#touchedKeys + 1] = key end
            if seconds > touched[key] then touched[key] = seconds end
        end
        local i = 5
        for c = 0, tonumber(ARGV[2]) - 1 do
            local base = c * {{KeysPerChange}}
            local stop = i + tonumber(ARGV[i])
            i = i + 1
            local stale, failed = false, nil
            local withBasis = ARGV[i] == '1'
            for k = 1, {{TokenHashes.PerUser}} do
                local expected = withBasis and tonumber(ARGV[i + k]) or 0
                if expected >= 0 then
                    local size = redis.pcall('HLEN', KEYS[base + k])
                    if type(size) == 'table' then failed = size; break end
                    if withBasis and size ~= expected then stale = true end
                end
            end
            if withBasis and not failed then
                i = i + 1 + {{TokenHashes.PerUser}}
                if not stale then
                    local n = tonumber(ARGV[i]); i = i + 1
                    for _ = 1, n do
                        if redis.call('HGET', KEYS[base + tonumber(ARGV[i])], ARGV[i + 1]) ~= ARGV[i + 2] then stale = true; break end
                        i = i + 3
                    end
                end
            else
                i = i + 1
            end
            if stale then
                local all = {}
                for k = 1, {{TokenHashes.PerUser}} do
                    all[k] = redis.pcall('HGETALL', KEYS[base + k])
                    if all[k].err then failed = all[k]; break end
                end
                results[c + 1] = all
            end
            if failed then
                results[c + 1] = failed.err -- a string: an error element would fail the whole reply
            elseif not stale then
                local n = tonumber(ARGV[i]); i = i + 1
                for _ = 1, n do
                    local key = KEYS[base + tonumber(ARGV[i])]
                    redis.call('HDEL', key, ARGV[i + 1]); redis.call('HDEL', KEYS[base + {{KeysPerChange}}], ARGV[i + 1]); touch(key, 0); i = i + 2
                end
                n = tonumber(ARGV[i]); i = i + 1
                for _ = 1, n do
                    local key = KEYS[base + tonumber(ARGV[i])]
                    if redis.call('HEXISTS', key, ARGV[i + 1]) == 1 then redis.call('HSET', key, ARGV[i + 1], '2') end
                    touch(key, 0); i = i + 2
                end
                n = tonumber(ARGV[i]); i = i + 1
                local added, addedSeconds
                for _ = 1, n do
                    local key = KEYS[base + tonumber(ARGV[i])]
                    addedSeconds = tonumber(ARGV[i + 3])
                    redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2]); touch(key, addedSeconds); added = ARGV[i + 1]; i = i + 4
                end
                if added and ARGV[i] ~= '' then
                    local times = KEYS[base + {{KeysPerChange}}]
                    redis.call('HSET', times, added, ARGV[i])
                    if redis.call('TTL', times) < addedSeconds then redis.call('EXPIRE', times, addedSeconds) end
                end
                i = i + 1
                if ARGV[i] ~= '' then cacheParts[#cacheParts + 1] = ARGV[i] end
                if ARGV[i + 1] ~= '' then revokedParts[#revokedParts + 1] = ARGV[i + 1] end
                results[c + 1] = 1
            end
            i = stop
        end
        for _, key in ipairs(touchedKeys) do
            local ttl, seconds = redis.call('TTL', key), touched[key]
            if ttl == -1 then
                redis.call('EXPIRE', key, seconds > 0 and seconds or ARGV[1])
            elseif ttl >= 0 and ttl < seconds then
                redis.call('EXPIRE', key, seconds)
            end
        end
        if #touchedKeys > 0 then
            redis.call('PUBLISH', '{{RedisKeys.DeleteCacheAuth}}', '[' .. table.concat(cacheParts, ',') .. ']')
            local sequence = redis.call('INCR', KEYS[#KEYS])
            redis.call('PUBLISH', ARGV[3], sequence .. '\n' .. table.concat(touchedKeys, '\n'))
        end
        if #revokedParts > 0 then redis.call('PUBLISH', ARGV[4], '[' .. table.concat(revokedParts, ',') .. ']') end
        return results
        """;

    /// <summary>
    /// The KEYS and ARGV of one run, written in the order <see cref="Body"/> reads them: <see cref="Add"/> once per
    /// change, then <see cref="ToArrays"/>.
    /// </summary>
    public struct Arguments(int changes, TimeSpan keyLifetime, RedisChannel announcements, bool announceKicks)
    {
        private readonly RedisKey[] _keys = new RedisKey[changes * KeysPerChange + 1];
        private readonly List<RedisValue> _values = new(4 + changes * 24)
        {
            (long)keyLifetime.TotalSeconds, changes, announcements.ToString(), RedisKeys.Revoked.ToString(),
        };
        private int _added;

        public void Add(TokenStateChange change)
        {
            var first = _added++ * KeysPerChange;
            for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
            {
                _keys[first + platform - Platforms.Min] = RedisKeys.TokenHash(change.UserId, platform);
            }
            _keys[first + TokenHashes.PerUser] = RedisKeys.IssuedTimes(change.UserId);
            AddBlock(_values, change, announceKicks);
        }

        public readonly (RedisKey[] Keys, RedisValue[] Values) ToArrays()
        {
            _keys[^1] = RedisKeys.TokenSequence;
            return (_keys, [.. _values]);
        }
    }

    /// <summary>The script's reply: one outcome per change, in the order they were added.</summary>
    public static RedisResult[] ReadReplies(RedisResult reply, int changes)
    {
        // Anything but an array (not this script's reply) reads as no outcomes, and so fails the batch alike.
        var replies = reply.Resp2Type == ResultType.Array ? (RedisResult[])reply! : [];
        if (replies.Length != changes)
        {
            throw new InvalidOperationException($"the apply script answered {replies.Length} outcomes for {changes} changes");
        }
        return replies;
    }

    private static void AddBlock(List<RedisValue> args, TokenStateChange change, bool announceKicks)
    {
        var start = args.Count;
        args.Add(0); // the block's length, once known
        if (change.Basis is { } basis)
        {
            args.Add(1);
            var checkedPlatforms = change.CheckedPlatforms;
            Span<int> sizes = stackalloc int[TokenHashes.PerUser]; // one pass over the basis, on every login
            var checkedTokens = 0;
            foreach (var token in basis)
            {
                if (checkedPlatforms.Contains(token.PlatformId))
                {
                    sizes[token.PlatformId - Platforms.Min]++;
                    checkedTokens++;
                }
            }
            for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
            {
                args.Add(checkedPlatforms.Contains(platform) ? sizes[platform - Platforms.Min] : -1);
            }
            args.Add(checkedTokens);
            foreach (var token in basis)
            {
                if (checkedPlatforms.Contains(token.PlatformId))
                {
                    AddRun(args, token, withStatus: true);
                }
            }
        }
        else
        {
            args.Add(0);
        }
        AddRuns(args, change.Removed, withStatus: false);
        AddRuns(args, change.Kicked, withStatus: false);
        if (change.Added is { } added)
        {
            args.Add(1);
            AddRun(args, added, withStatus: true);
            // From iat, so never less than what remains of it; at least a second, or EXPIRE would delete the hash.
            args.Add(Math.Max(1, added.ExpiresAt - added.IssuedAt));
        }
        else
        {
            args.Add(0);
        }
        args.Add(change.Added is { IssuedAtMs: > 0 } timed ? timed.IssuedAtMs : "");
        var touched = change.Removed.Concat(change.Kicked).Concat(change.Added is { } a ? [a] : [])
            .Select(t => RedisKeys.TokenHash(t.UserId, t.PlatformId)).Distinct().ToList();
        args.Add(touched.Count > 0 ? RedisKeys.KeyListItems(touched) : "");
        args.Add(announceKicks && change.Kicked.Count > 0 ? RedisRevocationBus.MessageItems(change.Kicked) : "");
        args[start] = args.Count - start;
    }

    /// <summary>A count, then per token its key index (1-based within the change's 11), the token, and maybe its status.</summary>
    private static void AddRuns(List<RedisValue> args, IReadOnlyList<StoredToken> tokens, bool withStatus)
    {
        args.Add(tokens.Count);
        foreach (var token in tokens)
        {
            AddRun(args, token, withStatus);
        }
    }

    private static void AddRun(List<RedisValue> args, StoredToken token, bool withStatus)
    {
        args.Add(token.PlatformId - Platforms.Min + 1);
        args.Add(token.Token);
        if (withStatus)
        {
            args.Add(token.Status);
        }
    }
}
