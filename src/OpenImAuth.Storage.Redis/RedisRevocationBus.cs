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

    public static async Task<RedisRevocationBus> SubscribeAsync(IConnectionMultiplexer redis)
    {
        var bus = new RedisRevocationBus(redis);
        await redis.GetSubscriber().SubscribeAsync(RedisKeys.Revoked, (_, message) => bus.Receive(message));
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
