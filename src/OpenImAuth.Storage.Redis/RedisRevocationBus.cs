using System.Text.Json;
using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Revocations over Redis pub/sub: every instance, the publishing one included, raises <see cref="Revoked"/> for
/// every message, so that each gateway can close the connections it holds for a revoked token. Token checks do not
/// depend on it; but the check cache, when there is one, hears OpenIM's announcements and outages from here first,
/// so that the connections this bus asks to re-check are checked against what Redis holds now.
/// </summary>
public sealed class RedisRevocationBus : IRevocationBus
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisTokenCheckCache? _checkCache;

    private RedisRevocationBus(IConnectionMultiplexer redis, RedisTokenCheckCache? checkCache)
    {
        _redis = redis;
        _checkCache = checkCache;
    }

    public event Action<IReadOnlyList<StoredToken>>? Revoked;

    public event Action? Resynchronize;

    public event Action<IReadOnlyList<string>>? TokensChanged;

    public static async Task<RedisRevocationBus> SubscribeAsync(IConnectionMultiplexer redis, RedisTokenCheckCache? checkCache = null)
    {
        var bus = new RedisRevocationBus(redis, checkCache);
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
                checkCache?.ForgetAll(); // announcements made while it was away are lost
                bus.Resynchronize?.Invoke();
            }
        };
        return bus;
    }

    public async Task PublishAsync(IReadOnlyList<StoredToken> revoked, CancellationToken cancellationToken) =>
        await _redis.GetSubscriber().PublishAsync(RedisKeys.Revoked, Message(revoked));

    /// <summary>What goes on <see cref="RedisKeys.Revoked"/>, from here or from a store script.</summary>
    internal static string Message(IReadOnlyList<StoredToken> revoked) => $"[{MessageItems(revoked)}]";

    /// <summary>The elements of <see cref="Message"/> without its brackets, for scripts that join several.</summary>
    internal static string MessageItems(IReadOnlyList<StoredToken> revoked) =>
        string.Join(',', revoked.Select(t => JsonSerializer.Serialize(RevokedTokenMessage.From(t), RedisJson.Default.RevokedTokenMessage)));

    private void ReceiveKeys(RedisValue message)
    {
        try
        {
            var keys = JsonSerializer.Deserialize((string)message!, RedisJson.Default.ListString) ?? [];
            _checkCache?.Forget(keys);
            var users = keys.Select(RedisKeys.UserOfTokenHash).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (users.Count > 0)
            {
                TokensChanged?.Invoke(users);
            }
        }
        catch (JsonException)
        {
            // Not a key list: nothing to re-check, but the cache cannot tell what changed.
            _checkCache?.ForgetAll();
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
