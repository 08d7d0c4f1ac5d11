using OpenImAuth.Core;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>Readiness of Redis: a PING on the connection that token reads and writes use.</summary>
public sealed class RedisStoreProbe(IConnectionMultiplexer redis) : IStoreProbe
{
    public string Name => "redis";

    // PING takes no cancellation token; the multiplexer's own timeout ends it, and the caller does not wait that long.
    public Task ProbeAsync(CancellationToken cancellationToken) => redis.GetDatabase().PingAsync();
}
