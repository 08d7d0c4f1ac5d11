using System.Text.Json;
using OpenImAuth.Core.Presence;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Online-status changes over Redis pub/sub (<c>OPENIMAUTH:STATUS_CHANGED</c>): every instance, the publishing one
/// included, raises <see cref="Changed"/> for each message. A change published while an instance's subscription is
/// down is lost to it, as a push to a dropped connection is lost in OpenIM; the REST routes read presence itself.
/// </summary>
public sealed class RedisStatusChangeBus : IStatusChangeBus
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("OPENIMAUTH:STATUS_CHANGED");

    private readonly IConnectionMultiplexer _redis;

    private RedisStatusChangeBus(IConnectionMultiplexer redis) => _redis = redis;

    public event Action<StatusChange>? Changed;

    public static async Task<RedisStatusChangeBus> SubscribeAsync(IConnectionMultiplexer redis)
    {
        var bus = new RedisStatusChangeBus(redis);
        try
        {
            await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => bus.Receive(message));
        }
        catch (RedisConnectionException)
        {
            // Redis is down at start-up: the multiplexer subscribes the handler once it connects.
        }
        return bus;
    }

    public async Task PublishAsync(StatusChange change, CancellationToken cancellationToken) =>
        await _redis.GetSubscriber().PublishAsync(Channel,
            JsonSerializer.Serialize(new StatusChangeMessage(change.UserId, change.PlatformIds), StatusChangeJson.Default.StatusChangeMessage));

    private void Receive(RedisValue message)
    {
        try
        {
            if (JsonSerializer.Deserialize((string)message!, StatusChangeJson.Default.StatusChangeMessage) is { UserId: { } userId } change)
            {
                Changed?.Invoke(new StatusChange(userId, change.PlatformIds ?? []));
            }
        }
        catch (JsonException)
        {
            // Not ours to understand (another writer on the channel): nothing to push.
        }
    }
}
