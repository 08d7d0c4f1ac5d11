using System.Globalization;
using OpenImAuth.Storage.Redis;
using StackExchange.Redis;

namespace OpenImAuth.Server.Configuration;

/// <summary>The <c>redis.*</c> keys (OpenIM's redis.yml names), used when storage.kind is redis.</summary>
internal sealed record RedisSettings(
    IReadOnlyList<string> Addresses, string? Username, string? Password, int Database, int CheckCacheEntries, int HintedTokens,
    int TimeoutMs, int UserCacheEntries, bool ClusterMode = false)
{
    /// <summary>How many token hashes a check cache remembers by default (a few hundred bytes each).</summary>
    public const int DefaultCheckCacheEntries = 100_000;

    /// <summary>How many user records a user cache remembers by default (a few hundred bytes each for short profiles).</summary>
    public const int DefaultUserCacheEntries = 100_000;

    /// <summary>How long a request waits for Redis by default before it answers that Redis is unavailable.</summary>
    public const int DefaultTimeoutMs = 1000;

    public static RedisSettings Read(SettingsReader read)
    {
        var addresses = read.StringList("redis:address", ["127.0.0.1:6379"], "Redis host:port (storage.kind redis)");
        foreach (var address in addresses)
        {
            var colon = address.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                read.Fail("redis:address", $"'{address}' is not host:port");
            }
        }
        var username = read.String("redis:username", "", "Redis ACL user");
        var password = read.String("redis:password", "", "Redis password");
        var database = read.Int("redis:db", 0, 0, 1000, "Redis database number");
        var checkCacheEntries = read.Int("redis:checkCacheEntries", DefaultCheckCacheEntries, 0, 100_000_000,
            "token hashes each instance keeps in memory for token checks; 0 reads Redis on every check");
        var hintedTokens = read.Int("redis:hintedTokens", RedisTokenStateStore.DefaultHintedTokens, 0, 100_000_000,
            "tokens each instance remembers as the basis of its users' next logins");
        var timeoutMs = read.Int("redis:timeoutMs", DefaultTimeoutMs, 1, 600_000,
            "milliseconds a request waits for Redis before it answers that Redis is unavailable");
        var userCacheEntries = read.Int("redis:userCacheEntries", DefaultUserCacheEntries, 0, 100_000_000,
            "user records each instance keeps in memory for user lookups; 0 reads PostgreSQL on every lookup");
        var clusterMode = read.Bool("redis:clusterMode", false,
            "redis.address lists seed nodes of a Redis Cluster (docs/decisions.md, D18)");
        if (clusterMode && database != 0)
        {
            read.Fail("redis:db", "a Redis Cluster has database 0 only (redis.clusterMode is true)");
        }
        return new RedisSettings(addresses, username.Length == 0 ? null : username, password.Length == 0 ? null : password, database,
            checkCacheEntries, hintedTokens, timeoutMs, userCacheEntries, clusterMode);
    }

    /// <summary>
    /// Connect at start-up without failing when Redis is down (the multiplexer reconnects by itself), and fail
    /// commands fast while it is down so that requests answer an error envelope at once instead of queueing. A Redis
    /// that hangs instead (stopped, its sockets open) fails each command after <see cref="TimeoutMs"/>: the
    /// multiplexer finds timed-out commands on its heartbeat, so that beats four times per timeout (at most once a
    /// second, as by default; at least every 100 ms) to answer within a quarter of the timeout after it.
    /// </summary>
    public ConfigurationOptions ToOptions()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            User = Username,
            Password = Password,
            DefaultDatabase = Database,
            ConnectTimeout = 3000,
            SyncTimeout = TimeoutMs,
            AsyncTimeout = TimeoutMs,
            HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(TimeoutMs / 4, 100, 1000)),
            BacklogPolicy = BacklogPolicy.FailFast,
            ClientName = "openimauth",
        };
        foreach (var address in Addresses)
        {
            options.EndPoints.Add(address);
        }
        return options;
    }
}
