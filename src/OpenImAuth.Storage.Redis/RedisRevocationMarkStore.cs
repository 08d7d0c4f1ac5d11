using System.Globalization;
using OpenImAuth.Core.Revocation;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Revocation marks in one Redis hash, shared by every instance. Each change is published, in the script that makes
/// it, with the mark then in force, so every instance applies changes in the order Redis made them; after the
/// subscription was interrupted, <see cref="Resynchronize"/> asks for a full read.
/// </summary>
public sealed class RedisRevocationMarkStore : IRevocationMarkStore
{
    // Marks only move forward: the larger of the held and the asked moment stays.
    private static readonly LuaScript RaiseScript = LuaScript.Prepare("""
        local held = tonumber(redis.call('HGET', @key, @field) or '0')
        local wanted = tonumber(@before)
        if wanted > held then
            redis.call('HSET', @key, @field, @before)
            redis.call('PUBLISH', @channel, @field .. '\n' .. @before)
            return @before
        end
        return tostring(held)
        """);

    private static readonly LuaScript ClearScript = LuaScript.Prepare("""
        if redis.call('HDEL', @key, @field) == 1 then
            redis.call('PUBLISH', @channel, @field .. '\n')
            return 1
        end
        return 0
        """);

    private readonly IDatabase _db;
    private readonly RedisChannel _channel;

    private RedisRevocationMarkStore(IConnectionMultiplexer redis)
    {
        _db = redis.GetDatabase();
        _channel = RedisKeys.RevocationMarksChanged(_db.Database);
    }

    private int _subscribed;

    public event Action<RevocationMark>? Changed;

    public event Action? Resynchronize;

    public static async Task<RedisRevocationMarkStore> SubscribeAsync(IConnectionMultiplexer redis)
    {
        var store = new RedisRevocationMarkStore(redis);
        await store.TrySubscribeAsync(redis);
        redis.ConnectionRestored += async (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                // A queue subscription that failed (Redis down at start-up) is not made again by the multiplexer.
                await store.TrySubscribeAsync(redis);
                store.Resynchronize?.Invoke();
            }
        };
        return store;
    }

    private async Task TrySubscribeAsync(IConnectionMultiplexer redis)
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            return;
        }
        try
        {
            // In order (a queue, not concurrent handlers): a clear followed by a raise must not be applied the other
            // way round.
            var queue = await redis.GetSubscriber().SubscribeAsync(_channel);
            queue.OnMessage(message => Receive(message.Message));
        }
        catch (RedisException)
        {
            Volatile.Write(ref _subscribed, 0);
        }
    }

    public async Task<IReadOnlyList<RevocationMark>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var entries = await _db.HashGetAllAsync(RedisKeys.RevocationMarks);
        var marks = new List<RevocationMark>(entries.Length);
        foreach (var entry in entries)
        {
            if (Parse(entry.Name!, entry.Value!) is { } mark)
            {
                marks.Add(mark);
            }
        }
        return marks;
    }

    public async Task<RevocationMark> RaiseAsync(string userId, int platformId, long beforeMs, CancellationToken cancellationToken)
    {
        var result = await _db.ScriptEvaluateAsync(RaiseScript, new
        {
            key = RedisKeys.RevocationMarks,
            field = Field(userId, platformId),
            before = beforeMs.ToString(CultureInfo.InvariantCulture),
            channel = _channel.ToString(),
        });
        return new RevocationMark(userId, platformId, long.Parse((string)result!, CultureInfo.InvariantCulture));
    }

    public async Task<bool> ClearAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        (long)await _db.ScriptEvaluateAsync(ClearScript, new
        {
            key = RedisKeys.RevocationMarks,
            field = Field(userId, platformId),
            channel = _channel.ToString(),
        }) == 1;

    private static string Field(string userId, int platformId) => $"{platformId.ToString(CultureInfo.InvariantCulture)}:{userId}";

    /// <summary>A hash entry or an announcement as a mark (<see cref="RevocationMark.BeforeMs"/> 0 once cleared); null if not ours.</summary>
    private static RevocationMark? Parse(string field, string value)
    {
        var colon = field.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(field.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var platformId))
        {
            return null;
        }
        long beforeMs = 0;
        if (value.Length > 0 && !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out beforeMs))
        {
            return null;
        }
        return new RevocationMark(field[(colon + 1)..], platformId, beforeMs);
    }

    private void Receive(RedisValue message)
    {
        var text = (string?)message ?? "";
        var newline = text.LastIndexOf('\n'); // a userID may hold one; a value never does
        if (newline >= 0 && Parse(text[..newline], text[(newline + 1)..]) is { } mark)
        {
            Changed?.Invoke(mark);
        }
    }
}
