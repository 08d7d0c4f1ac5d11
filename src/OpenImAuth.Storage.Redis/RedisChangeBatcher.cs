using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Applies token state changes in Redis, one script at a time: the changes that arrive while a script runs go
/// together into the next one, as a group commit does for a disk. Each change is checked against its own basis and
/// applied or refused on its own, atomically; the changes of one script share its round trip, one sequence number
/// and one message on each channel, so a busy instance pays the script's fixed costs once per batch, not per login.
/// A script that times out fails the changes queued behind it too (see <see cref="CoalescedRead{T}"/>), unsent.
/// </summary>
internal sealed class RedisChangeBatcher(IDatabase db, TimeSpan keyLifetime, RedisChannel announcements, bool announceKicks)
{
    private const int MaxChangesPerScript = 64;
    private const int HashesPerUser = Platforms.Max - Platforms.Min + 1;
    private const int KeysPerChange = HashesPerUser + 1; // and the user's issuance times (RedisKeys.IssuedTimes)

    // KEYS: each change's 11 platform hashes and its user's issuance-time hash in turn, then the sequence. ARGV:
    // the TTL for a hash that has none, the number of changes, our announcement channel and the revocation channel,
    // then one block per change: its length; 1 and the basis (the size of each hash the check covers, -1 for the
    // others, then (key index, token, status) runs of the covered ones) or 0; the removed, kicked and added runs (the
    // added token's run ends with its lifetime in seconds); the added token's issuance time in ms, or ''; its touched
    // keys as JSON strings for DELETE_CACHE_AUTH; its kicked tokens as JSON objects for the revocation channel, or ''.
    // The check covers the platforms the plan
    // depends on and every one it writes to (TokenStateChange.CheckedPlatforms); a login on one platform under
    // policy 1 sizes one hash instead of 11 and sends its user's other tokens not at all, which was about a third
    // of Redis's time per login. Before a change writes anything, the hashes it covers (all 11 without a basis)
    // are sized with pcall: a key that is not a hash (WRONGTYPE) fails that change alone, answered by the error's
    // text, rather than aborting the script halfway through the batch with the earlier changes written but never
    // announced. A change whose covered hashes no longer hold exactly its basis there changes nothing and answers
    // all 11 as they are (one HGETALL reply per platform); an applied one answers 1. A kick only marks a token still
    // present (a kick must not create one). Then the TTL of every touched hash is raised to the longest lifetime added
    // to it, never lowered: OpenIM's plain EXPIRE with its own lifetime cuts a longer-lived token's state short (its
    // bug #2399), and tokens here may each live as long as asked. EXPIRE's GT would treat a hash without a TTL (one
    // just created) as never expiring, hence TTL first. A hash left without one gets the longest lifetime there is.
    // Then the applied changes are announced together:
    // their keys on DELETE_CACHE_AUTH, as OpenIM does, the next sequence number with the keys on ours, and their
    // kicked tokens on the revocation channel.
    private const string Script = """
        local results, touched, touchedKeys, cacheParts, revokedParts = {}, {}, {}, {}, {}
        local function touch(key, seconds)
            if not touched[key] then touched[key] = 0; touchedKeys[#touchedKeys + 1] = key end
            if seconds > touched[key] then touched[key] = seconds end
        end
        local i = 5
        for c = 0, tonumber(ARGV[2]) - 1 do
            local base = c * 12
            local stop = i + tonumber(ARGV[i])
            i = i + 1
            local stale, failed = false, nil
            local withBasis = ARGV[i] == '1'
            for k = 1, 11 do
                local expected = withBasis and tonumber(ARGV[i + k]) or 0
                if expected >= 0 then
                    local size = redis.pcall('HLEN', KEYS[base + k])
                    if type(size) == 'table' then failed = size; break end
                    if withBasis and size ~= expected then stale = true end
                end
            end
            if withBasis and not failed then
                i = i + 12
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
                for k = 1, 11 do
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
                    redis.call('HDEL', key, ARGV[i + 1]); redis.call('HDEL', KEYS[base + 12], ARGV[i + 1]); touch(key, 0); i = i + 2
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
                    local times = KEYS[base + 12]
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
            redis.call('PUBLISH', 'DELETE_CACHE_AUTH', '[' .. table.concat(cacheParts, ',') .. ']')
            local sequence = redis.call('INCR', KEYS[#KEYS])
            redis.call('PUBLISH', ARGV[3], sequence .. '\n' .. table.concat(touchedKeys, '\n'))
        end
        if #revokedParts > 0 then redis.call('PUBLISH', ARGV[4], '[' .. table.concat(revokedParts, ',') .. ']') end
        return results
        """;

    private readonly Lock _gate = new();
    private List<Pending> _queued = [];
    private bool _running;

    /// <summary>1 when <paramref name="change"/> was applied; on a stale basis, the user's hashes as they are.</summary>
    public Task<RedisResult> ApplyAsync(TokenStateChange change)
    {
        var pending = new Pending(change, new TaskCompletionSource<RedisResult>());
        List<Pending> batch;
        lock (_gate)
        {
            _queued.Add(pending);
            if (_running)
            {
                return pending.Outcome.Task; // the script in flight takes it next
            }
            _running = true;
            batch = TakeQueued();
        }
        _ = RunAsync(batch);
        return pending.Outcome.Task;
    }

    private async Task RunAsync(List<Pending> batch)
    {
        RedisResult[]? outcomes = null;
        Exception? error = null;
        try
        {
            outcomes = (RedisResult[])(await EvaluateAsync(batch))!;
            if (outcomes.Length != batch.Count)
            {
                throw new InvalidOperationException($"the apply script answered {outcomes.Length} outcomes for {batch.Count} changes");
            }
        }
        catch (Exception ex)
        {
            error = ex; // every change of the script may or may not have been applied; each caller decides
        }
        List<Pending>? next;
        List<Pending>? failed = null;
        lock (_gate)
        {
            if (error is TimeoutException && _queued.Count > 0)
            {
                // Redis left this script unanswered for the whole timeout, and everything queued arrived after it
                // was sent: those changes fail with it, never sent (so never applied), rather than each waiting for
                // a timeout of its own script.
                failed = _queued;
                _queued = [];
            }
            next = _queued.Count > 0 ? TakeQueued() : null;
            _running = next is not null;
        }
        if (next is not null)
        {
            // The next script is sent before this one's callers run on: they run inline, one after another, rather
            // than each as a thread-pool item (each hand-off a thread switch; switches were a sixth of the profile).
            _ = RunAsync(next);
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (error is null)
            {
                batch[i].Outcome.TrySetResult(outcomes![i]);
            }
            else
            {
                batch[i].Outcome.TrySetException(error);
            }
        }
        foreach (var pending in failed ?? [])
        {
            pending.Outcome.TrySetException(error!);
        }
    }

    /// <summary>Under the gate: the oldest queued changes, as many as one script takes.</summary>
    private List<Pending> TakeQueued()
    {
        if (_queued.Count <= MaxChangesPerScript)
        {
            var all = _queued;
            _queued = [];
            return all;
        }
        var oldest = _queued[..MaxChangesPerScript];
        _queued.RemoveRange(0, MaxChangesPerScript);
        return oldest;
    }

    private Task<RedisResult> EvaluateAsync(List<Pending> batch)
    {
        var keys = new RedisKey[batch.Count * KeysPerChange + 1];
        var args = new List<RedisValue>(4 + batch.Count * 24)
        {
            (long)keyLifetime.TotalSeconds, batch.Count, announcements.ToString(), RedisKeys.Revoked.ToString(),
        };
        for (var c = 0; c < batch.Count; c++)
        {
            var change = batch[c].Change;
            for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
            {
                keys[c * KeysPerChange + platform - Platforms.Min] = RedisKeys.TokenHash(change.UserId, platform);
            }
            keys[c * KeysPerChange + HashesPerUser] = RedisKeys.IssuedTimes(change.UserId);
            AddBlock(args, change);
        }
        keys[^1] = RedisKeys.TokenSequence;
        return db.ScriptEvaluateAsync(Script, keys, [.. args]);
    }

    private void AddBlock(List<RedisValue> args, TokenStateChange change)
    {
        var start = args.Count;
        args.Add(0); // the block's length, once known
        if (change.Basis is { } basis)
        {
            args.Add(1);
            var checkedPlatforms = change.CheckedPlatforms;
            Span<int> sizes = stackalloc int[HashesPerUser]; // one pass over the basis, on every login
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

    private sealed record Pending(TokenStateChange Change, TaskCompletionSource<RedisResult> Outcome);
}
