using System.Text.Json;
using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Revocations over Redis pub/sub: every instance, the publishing one included, raises <see cref="Revoked"/> for
/// every message. Token checks never depend on it (they always read Redis); it exists so that each gateway can
/// close the connections it holds for a revoked token.
/// </summary>
public sealed class RedisRevocationBus : IRevocationBus
{
    private readonly IConnectionMultiplexer _redis;

    private RedisRevocationBus(IConnectionMultiplexer redis) => _redis = redis;

    public event Action<IReadOnlyList<StoredToken>>? Revoked;

    public event Action? Resynchronize;

    public event Action<IReadOnlyList<string>>? TokensChanged;

    public static async Task<RedisRevocationBus> SubscribeAsync(IConnectionMultiplexer redis)
    {
        var bus = new RedisRevocationBus(redis);
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisKeys.Revoked, (_, message) => bus.Receive(message));
            // OpenIM's own invalidation topic: Go nodes sharing the Redis announce their token writes only here.
            await redis.GetSubscriber().SubscribeAsync(RedisKeys.DeleteCacheAuth, (_, message) => bus.ReceiveKeys(message));
        }
        catch (RedisConnectionException)
        {
            // Redis is down at start-up. The handler is registered all the same, and the multiplexer subscribes it
            // once it connects; start-up must not depend on Redis being there (abortConnect=false).
        }
        // The multiplexer resubscribes by itself after a reconnect; what was published while it was away is lost.
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                bus.Resynchronize?.Invoke();
            }
        };
        return bus;
    }

    public async Task PublishAsync(IReadOnlyList<StoredToken> revoked, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Serialize(revoked.Select(RevokedTokenMessage.From).ToList(), RedisJson.Default.ListRevokedTokenMessage);
        await _redis.GetSubscriber().PublishAsync(RedisKeys.Revoked, message);
    }

    private void ReceiveKeys(RedisValue message)
    {
        try
        {
            var keys = JsonSerializer.Deserialize((string)message!, RedisJson.Default.ListString) ?? [];
            var users = keys.Select(RedisKeys.UserOfTokenHash).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (users.Count > 0)
            {
                TokensChanged?.Invoke(users);
            }
        }
        catch (JsonException)
        {
            // Not a key list; nothing to re-check.
        }
    }

    private void Receive(RedisValue message)
    {
        try
        {
            var tokens = JsonSerializer.Deserialize((string)message!, RedisJson.Default.ListRevokedTokenMessage);
            if (tokens is { Count: > 0 })
            {
                Revoked?.Invoke(tokens.Select(t => t.ToStoredToken()).ToList());
            }
        }
        catch (JsonException)
        {
            // Not ours to understand (another writer on the channel); the token store stays the authority.
        }
    }
}
