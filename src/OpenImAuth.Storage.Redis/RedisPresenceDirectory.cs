using System.Collections.Concurrent;
using System.Text.Json;
using OpenImAuth.Core.Presence;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Who is connected, on every instance: each instance records its connections in a per-user hash of our own
/// (<c>OPENIMAUTH:ONLINE:{userID}</c>, field = instance and connection, value = the entry) and keeps a liveness key
/// (<c>OPENIMAUTH:INSTANCE:{id}</c>) alive while it runs. Entries of an instance whose liveness key expired (it
/// died without saying goodbye) are ignored and cleaned up on read. When a refresh finds its own liveness key gone
/// (Redis restarted without persistence, or an outage outlasted the key and other instances cleaned up after us),
/// the instance writes its connections again.
/// </summary>
public sealed class RedisPresenceDirectory : IPresenceDirectory, IAsyncDisposable
{
    public static readonly TimeSpan LivenessLifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LivenessRefresh = TimeSpan.FromSeconds(10);

    private readonly IDatabase _db;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly ITimer _refresh;

    private Task _lastRefresh = Task.CompletedTask;

    // This instance's connections, to write again when Redis lost them.
    private readonly ConcurrentDictionary<PresenceEntry, byte> _own = new();

    private RedisPresenceDirectory(IConnectionMultiplexer redis, TimeProvider time)
    {
        _db = redis.GetDatabase();
        _refresh = time.CreateTimer(_ => Volatile.Write(ref _lastRefresh, RefreshLivenessAsync()), null, LivenessRefresh, LivenessRefresh);
    }

    /// <summary>The refresh the timer started last (for tests, whose clock starts it).</summary>
    internal Task LastRefresh => Volatile.Read(ref _lastRefresh);

    public static async Task<RedisPresenceDirectory> StartAsync(IConnectionMultiplexer redis, TimeProvider time)
    {
        var directory = new RedisPresenceDirectory(redis, time);
        await directory.RefreshLivenessAsync();
        return directory;
    }

    public async ValueTask ConnectedAsync(PresenceEntry entry, CancellationToken cancellationToken)
    {
        _own[entry] = 0;
        await WriteAsync(entry);
    }

    public async ValueTask DisconnectedAsync(PresenceEntry entry, CancellationToken cancellationToken)
    {
        _own.TryRemove(entry, out _);
        await _db.HashDeleteAsync(OnlineKey(entry.UserId), Field(entry));
    }

    private Task<bool> WriteAsync(PresenceEntry entry) => _db.HashSetAsync(OnlineKey(entry.UserId), Field(entry),
        JsonSerializer.Serialize(new StoredPresence(_instanceId, entry), PresenceJson.Default.StoredPresence));

    /// <summary>Every connection of this instance written again; one that went meanwhile is removed again after.</summary>
    private async Task WriteAllAgainAsync()
    {
        foreach (var entry in _own.Keys)
        {
            await WriteAsync(entry);
            if (!_own.ContainsKey(entry))
            {
                await _db.HashDeleteAsync(OnlineKey(entry.UserId), Field(entry));
            }
        }
    }

    public async ValueTask<IReadOnlyList<PresenceEntry>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        var reads = userIds.Distinct(StringComparer.Ordinal).Select(id => (id, entries: _db.HashGetAllAsync(OnlineKey(id)))).ToList();
        await Task.WhenAll(reads.Select(r => r.entries));
        var stored = reads.SelectMany(r => r.entries.Result.Select(e => (r.id, field: e.Name, presence: Parse(e.Value)))).ToList();
        var instances = stored.Where(s => s.presence is not null).Select(s => s.presence!.InstanceId).Distinct().ToList();
        var alive = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            if (instance == _instanceId || await _db.KeyExistsAsync(LivenessKey(instance)))
            {
                alive.Add(instance);
            }
        }
        var found = new List<PresenceEntry>();
        foreach (var (userId, field, presence) in stored)
        {
            if (presence is not null && alive.Contains(presence.InstanceId))
            {
                found.Add(presence.Entry);
            }
            else
            {
                await _db.HashDeleteAsync(OnlineKey(userId), field); // left behind by an instance that died
            }
        }
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await _refresh.DisposeAsync();
        try
        {
            await _db.KeyDeleteAsync(LivenessKey(_instanceId));
        }
        catch (RedisException)
        {
            // Redis is down as the instance stops: its liveness key expires by itself, and stopping goes on.
        }
    }

    private async Task RefreshLivenessAsync()
    {
        try
        {
            var previous = await _db.StringSetAndGetAsync(LivenessKey(_instanceId), "1", LivenessLifetime);
            if (previous.IsNull && !_own.IsEmpty)
            {
                await WriteAllAgainAsync();
            }
        }
        catch (RedisException)
        {
            // Redis is down; the next tick tries again, and until then our entries may read as gone.
        }
    }

    private static StoredPresence? Parse(RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize((string)value!, PresenceJson.Default.StoredPresence);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RedisKey OnlineKey(string userId) => "OPENIMAUTH:ONLINE:" + userId;

    private static RedisKey LivenessKey(string instanceId) => "OPENIMAUTH:INSTANCE:" + instanceId;

    private string Field(PresenceEntry entry) => _instanceId + "|" + entry.PlatformId + "|" + entry.ConnId;
}
