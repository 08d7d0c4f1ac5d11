using OpenImAuth.Core;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Token checks from memory, with revocation still instant on every instance (docs/decisions.md, D7).
/// <para>
/// Every token write of ours, in the same atomic script, increments <see cref="RedisKeys.TokenSequence"/> and
/// publishes the new number with the changed hash keys on <see cref="RedisKeys.TokensChanged"/>. A check first
/// reads the sequence with a read that started after the check did (<see cref="CoalescedRead{T}"/>: one GET answers
/// every check that queued during the previous one). If this instance has applied every announcement up to that
/// number, no write completed before the check is missing from memory, and a remembered hash answers; otherwise
/// (a message still on its way, or lost while the subscription was down) the check reads Redis itself.
/// </para>
/// <para>
/// What is remembered is a snapshot of one whole <c>UID_PID_TOKEN_STATUS</c> hash. Go OpenIM nodes do not count
/// the sequence; their writes are seen when their <c>DELETE_CACHE_AUTH</c> announcement arrives, as between Go
/// nodes themselves. A token missing from a snapshot is looked up in Redis again, so a token a Go node just issued
/// is never refused.
/// </para>
/// </summary>
public sealed class RedisTokenCheckCache
{
    private const int Stripes = 256;

    private readonly IDatabase _db;
    private readonly int _capacity;
    private readonly CoalescedRead<long> _sequence;
    private readonly Dictionary<string, Snapshot>[] _snapshots = new Dictionary<string, Snapshot>[Stripes];
    private readonly long[] _generations = new long[Stripes];
    private readonly AnnouncedSequence _announced;
    private int _subscribed;
    private int _count;

    private RedisTokenCheckCache(IDatabase db, TimeProvider time, int capacity)
    {
        _db = db;
        _capacity = capacity;
        _announced = new AnnouncedSequence(time, ForgetAll);
        _sequence = new CoalescedRead<long>(async () => (long?)await db.StringGetAsync(RedisKeys.TokenSequence) ?? 0);
        for (var i = 0; i < Stripes; i++)
        {
            _snapshots[i] = new Dictionary<string, Snapshot>(StringComparer.Ordinal);
        }
    }

    /// <summary>The snapshots held now (for tests and diagnostics).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Subscribes to the announcements and starts from the sequence as it is now, with nothing remembered.</summary>
    public static async Task<RedisTokenCheckCache> StartAsync(IConnectionMultiplexer redis, TimeProvider time, int capacity)
    {
        var cache = new RedisTokenCheckCache(redis.GetDatabase(), time, capacity);
        if (!await cache.TrySubscribeAsync(redis))
        {
            // Redis is down at start-up, and a queue subscription that failed is not made again by the multiplexer:
            // make it once Redis is back. Until then the sequence read is ahead of what was applied (or fails), so
            // checks read Redis itself, as they must.
            redis.ConnectionRestored += async (_, e) =>
            {
                if (e.ConnectionType == ConnectionType.Subscription)
                {
                    await cache.TrySubscribeAsync(redis);
                }
            };
        }
        // DELETE_CACHE_AUTH and subscription outages reach the cache through RedisRevocationBus, which must tell it
        // before it asks the gateway to check connections again (or the gateway would check against stale memory).
        return cache;
    }

    private async Task<bool> TrySubscribeAsync(IConnectionMultiplexer redis)
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            return true;
        }
        try
        {
            // In order (a queue, not concurrent handlers): the sequence numbers must be applied as they were written.
            var queue = await redis.GetSubscriber().SubscribeAsync(RedisKeys.TokensChanged(_db.Database));
            queue.OnMessage(message => ApplyAnnouncement((string?)message.Message));
            _announced.Advance((long?)await _db.StringGetAsync(RedisKeys.TokenSequence) ?? 0);
            return true;
        }
        catch (RedisException)
        {
            Volatile.Write(ref _subscribed, 0);
            return false;
        }
    }

    /// <summary>The status of <paramref name="token"/> in hash <paramref name="key"/>, as <paramref name="parse"/> reads it.</summary>
    internal async ValueTask<int?> GetStatusAsync(RedisKey key, string token, Func<RedisValue, int?> parse)
    {
        var sequence = await _sequence.ReadAsync();
        if (!await _announced.IsUpToAsync(sequence))
        {
            OpenImAuthMetrics.CheckCacheMiss();
            return parse(await _db.HashGetAsync(key, token));
        }
        var name = (string)key!;
        var stripe = StripeOf(name);
        long generation;
        lock (_snapshots[stripe])
        {
            if (_snapshots[stripe].TryGetValue(name, out var snapshot) && snapshot.TryGet(token, out var remembered))
            {
                OpenImAuthMetrics.CheckCacheHit();
                return remembered;
            }
            generation = _generations[stripe];
        }
        OpenImAuthMetrics.CheckCacheMiss();
        var entries = await _db.HashGetAllAsync(key);
        var fresh = new Snapshot(entries, parse);
        lock (_snapshots[stripe])
        {
            // An announcement for this stripe applied meanwhile may be newer than what was read: do not keep it.
            if (_generations[stripe] == generation)
            {
                if (Volatile.Read(ref _count) >= _capacity)
                {
                    // Full: start this stripe over rather than track recency on the hot path.
                    Interlocked.Add(ref _count, -_snapshots[stripe].Count);
                    _snapshots[stripe].Clear();
                }
                if (_snapshots[stripe].TryAdd(name, fresh))
                {
                    Interlocked.Increment(ref _count);
                }
                else
                {
                    _snapshots[stripe][name] = fresh;
                }
            }
        }
        return fresh.TryGet(token, out var status) ? status : null;
    }

    /// <summary>One announcement: <c>{sequence}\n{key}\n{key}…</c> (newline cannot occur in a userID).</summary>
    private void ApplyAnnouncement(string? message)
    {
        if (message is null)
        {
            return;
        }
        var lines = message.Split('\n');
        if (!long.TryParse(lines[0], out var sequence))
        {
            return;
        }
        foreach (var key in lines.AsSpan(1))
        {
            Forget(key);
        }
        _announced.Apply(sequence);
    }

    /// <summary>Keys named in OpenIM's own announcement (DELETE_CACHE_AUTH), made by Go nodes and by us alike.</summary>
    internal void Forget(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            Forget(key);
        }
    }

    private void Forget(string key)
    {
        var stripe = StripeOf(key);
        lock (_snapshots[stripe])
        {
            _generations[stripe]++;
            if (_snapshots[stripe].Remove(key))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    /// <summary>Drops everything: announcements may have been lost (subscription outage) or were unreadable.</summary>
    internal void ForgetAll()
    {
        for (var stripe = 0; stripe < Stripes; stripe++)
        {
            lock (_snapshots[stripe])
            {
                _generations[stripe]++;
                Interlocked.Add(ref _count, -_snapshots[stripe].Count);
                _snapshots[stripe].Clear();
            }
        }
    }

    private static int StripeOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % Stripes);

    /// <summary>
    /// One hash as read, with each status already parsed: few fields (a user's tokens on one platform), so flat
    /// arrays beat a dictionary, and comparing strings beats comparing the raw Redis values on every check.
    /// </summary>
    private sealed class Snapshot
    {
        private readonly string[] _tokens;
        private readonly int?[] _statuses;

        public Snapshot(HashEntry[] entries, Func<RedisValue, int?> parse)
        {
            _tokens = new string[entries.Length];
            _statuses = new int?[entries.Length];
            for (var i = 0; i < entries.Length; i++)
            {
                _tokens[i] = entries[i].Name!;
                _statuses[i] = parse(entries[i].Value);
            }
        }

        public bool TryGet(string token, out int? status)
        {
            for (var i = 0; i < _tokens.Length; i++)
            {
                if (string.Equals(_tokens[i], token, StringComparison.Ordinal))
                {
                    status = _statuses[i];
                    return true;
                }
            }
            status = null;
            return false;
        }
    }
}
