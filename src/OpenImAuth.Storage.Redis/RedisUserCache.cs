using System.Text.Json;
using OpenImAuth.Core;
using OpenImAuth.Core.Users;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// User records from memory, with every change still seen at once by every instance (docs/decisions.md, D16), as
/// token checks are (D7).
/// <para>
/// Every change of ours, once PostgreSQL committed it, deletes OpenIM's own cache keys of the user
/// (<c>USER_INFO:{userID}</c>, <c>USER_GLOBAL_RECV_MSG_OPT_KEY:{userID}</c>), then in one script increments
/// <see cref="RedisKeys.UserSequence"/> and publishes the new number with the user IDs on
/// <see cref="RedisKeys.UsersChanged"/> and the deleted keys on OpenIM's <c>DELETE_CACHE_USER</c>. A read first
/// reads the number with a read sent after it asked, or after its request began (<see cref="RequestStart"/>),
/// shared by the reads around it; once this instance has applied every announcement up to that number, memory
/// answers, and the users it lacks are read from PostgreSQL.
/// Go OpenIM nodes do not count the number: their changes are seen when their <c>DELETE_CACHE_USER</c> arrives, as
/// between Go nodes themselves. While the subscription is down nothing is answered from memory, and everything
/// remembered is dropped, since announcements made meanwhile are lost.
/// </para>
/// </summary>
public sealed partial class RedisUserCache
{
    private const int Stripes = 256;

    private readonly IDatabase _db;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly CoalescedRead<long> _sequence;
    private readonly AnnouncedSequence _announced;
    private readonly Dictionary<string, object>[] _users = new Dictionary<string, object>[Stripes]; // a UserRecord, or a read's placeholder
    private int _count;
    private int _subscribed;
    private volatile bool _subscriptionDown;

    private RedisUserCache(IDatabase db, TimeProvider time, int capacity)
    {
        _db = db;
        _time = time;
        _capacity = capacity;
        _sequence = new CoalescedRead<long>(async () => (long?)await db.StringGetAsync(RedisKeys.UserSequence) ?? 0);
        _announced = new AnnouncedSequence(time, ForgetAll);
        for (var i = 0; i < Stripes; i++)
        {
            _users[i] = new Dictionary<string, object>(StringComparer.Ordinal);
        }
    }

    /// <summary>The users held now (for tests and diagnostics).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Starts with nothing remembered. With a <paramref name="capacity"/> of 0 nothing is ever remembered, and this
    /// only announces changes (other instances and Go nodes may remember).
    /// </summary>
    public static async Task<RedisUserCache> StartAsync(IConnectionMultiplexer redis, TimeProvider time, int capacity)
    {
        var cache = new RedisUserCache(redis.GetDatabase(), time, capacity);
        if (capacity == 0)
        {
            return cache;
        }
        cache._subscriptionDown = true; // until subscribed: nothing is answered from memory
        redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                cache._subscriptionDown = true;
                cache.ForgetAll();
            }
        };
        redis.ConnectionRestored += async (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                // A subscription that failed at start-up is not made again by the multiplexer; one that was made is.
                await cache.TrySubscribeAsync(redis);
                cache.ForgetAll(); // announcements made while it was away are lost
                cache._subscriptionDown = Volatile.Read(ref cache._subscribed) == 0;
            }
        };
        try
        {
            // OpenIM's own topic: Go nodes sharing the Redis announce their user changes only here.
            await redis.GetSubscriber().SubscribeAsync(RedisKeys.DeleteCacheUser, (_, message) => cache.ReceiveKeys(message));
        }
        catch (RedisConnectionException)
        {
            // Redis is down at start-up: the handler is registered all the same and subscribed once it connects.
        }
        cache._subscriptionDown = !await cache.TrySubscribeAsync(redis);
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
            // In order (a queue, not concurrent handlers): the numbers must be applied as they were written.
            var queue = await redis.GetSubscriber().SubscribeAsync(RedisKeys.UsersChanged(_db.Database));
            queue.OnMessage(message => ApplyAnnouncement((string?)message.Message));
            _announced.Advance((long?)await _db.StringGetAsync(RedisKeys.UserSequence) ?? 0);
            return true;
        }
        catch (RedisException)
        {
            Volatile.Write(ref _subscribed, 0);
            return false;
        }
    }

    /// <summary>
    /// The registered users among <paramref name="userIds"/>, in the order asked, each once: from memory when it is
    /// current, the rest through <paramref name="read"/> (PostgreSQL), each remembered unless a change of it was
    /// announced while it was read.
    /// </summary>
    internal async Task<IReadOnlyList<UserRecord>> FindManyAsync(
        IReadOnlyList<string> userIds, Func<IReadOnlyList<string>, Task<IReadOnlyList<UserRecord>>> read)
    {
        if (_capacity == 0 || userIds.Count == 0)
        {
            return await read(userIds);
        }
        var sequence = await _sequence.ReadAsync(RequestStart.Current);
        if (_subscriptionDown || !await _announced.IsUpToAsync(sequence) || _subscriptionDown)
        {
            OpenImAuthMetrics.UserCacheMisses(userIds.Count);
            return await read(userIds);
        }
        var found = new UserRecord?[userIds.Count];
        List<string>? missing = null;
        object? pending = null;
        for (var i = 0; i < userIds.Count; i++)
        {
            var users = _users[StripeOf(userIds[i])];
            lock (users)
            {
                if (users.TryGetValue(userIds[i], out var entry) && entry is UserRecord user)
                {
                    found[i] = user;
                    continue;
                }
                // A placeholder of this read's own: a change announced while it reads removes it, and then what it
                // read is not kept. It replaces another read's placeholder, whose answer is then not kept either.
                pending ??= new object();
                if (entry is null)
                {
                    MakeRoom(users);
                    Interlocked.Increment(ref _count);
                }
                users[userIds[i]] = pending;
                (missing ??= []).Add(userIds[i]);
            }
        }
        OpenImAuthMetrics.UserCacheHits(userIds.Count - (missing?.Count ?? 0));
        if (missing is null)
        {
            return InOrderOnce(userIds, found);
        }
        OpenImAuthMetrics.UserCacheMisses(missing.Count);
        Dictionary<string, UserRecord> fresh;
        try
        {
            fresh = (await read(missing)).ToDictionary(u => u.UserId, StringComparer.Ordinal);
        }
        catch
        {
            Settle(missing, pending!, null);
            throw;
        }
        Settle(missing, pending!, fresh);
        for (var i = 0; i < userIds.Count; i++)
        {
            found[i] ??= fresh.GetValueOrDefault(userIds[i]);
        }
        return InOrderOnce(userIds, found);
    }

    /// <summary>
    /// Puts what a read found where its placeholders still stand, and takes away the placeholders of users it did
    /// not find (or of a read that failed): nothing is kept of a user that is not registered.
    /// </summary>
    private void Settle(List<string> userIds, object pending, Dictionary<string, UserRecord>? fresh)
    {
        foreach (var userId in userIds)
        {
            var users = _users[StripeOf(userId)];
            lock (users)
            {
                if (!users.TryGetValue(userId, out var entry) || !ReferenceEquals(entry, pending))
                {
                    continue; // forgotten (a change was announced) or taken over by a later read
                }
                if (fresh?.GetValueOrDefault(userId) is { } user)
                {
                    users[userId] = user;
                }
                else if (users.Remove(userId))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }

    /// <summary>Full: starts this stripe over rather than track recency on the hot path. Called under its lock.</summary>
    private void MakeRoom(Dictionary<string, object> users)
    {
        if (Volatile.Read(ref _count) >= _capacity)
        {
            Interlocked.Add(ref _count, -users.Count);
            users.Clear();
        }
    }

    private static List<UserRecord> InOrderOnce(IReadOnlyList<string> userIds, UserRecord?[] found)
    {
        var users = new List<UserRecord>(userIds.Count);
        HashSet<string>? seen = userIds.Count > 1 ? new(StringComparer.Ordinal) : null;
        for (var i = 0; i < userIds.Count; i++)
        {
            if (found[i] is { } user && (seen is null || seen.Add(user.UserId)))
            {
                users.Add(user);
            }
        }
        return users;
    }

    /// <summary>One announcement of ours: <c>{sequence}\n{userID}\n…</c> (a userID holds no control character).</summary>
    private void ApplyAnnouncement(string? message)
    {
        var lines = message?.Split('\n');
        if (lines is null || !long.TryParse(lines[0], out var sequence))
        {
            return;
        }
        foreach (var userId in lines.AsSpan(1))
        {
            Forget(userId);
        }
        _announced.Apply(sequence);
    }

    /// <summary>OpenIM's <c>DELETE_CACHE_USER</c>: a JSON array of the cache keys a Go node (or we) deleted.</summary>
    private void ReceiveKeys(RedisValue message)
    {
        try
        {
            foreach (var key in JsonSerializer.Deserialize((string)message!, RedisJson.Default.ListString) ?? [])
            {
                if (RedisKeys.UserOfUserCacheKey(key) is { } userId)
                {
                    Forget(userId);
                }
            }
        }
        catch (JsonException)
        {
            ForgetAll(); // not a key list: what changed cannot be told
        }
    }

    private void Forget(string userId)
    {
        var stripe = StripeOf(userId);
        lock (_users[stripe])
        {
            if (_users[stripe].Remove(userId))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private void ForgetAll()
    {
        for (var stripe = 0; stripe < Stripes; stripe++)
        {
            lock (_users[stripe])
            {
                Interlocked.Add(ref _count, -_users[stripe].Count);
                _users[stripe].Clear();
            }
        }
    }

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % Stripes);
}
