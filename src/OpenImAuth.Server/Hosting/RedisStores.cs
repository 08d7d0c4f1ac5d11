using OpenImAuth.Core.Revocation;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Storage.Redis;
using StackExchange.Redis;

namespace OpenImAuth.Server.Hosting;

internal static class RedisStores
{
    /// <summary>
    /// The scale-out store (<c>storage.kind redis</c>): token state, revocations, presence, status changes and
    /// lockouts in Redis, shared by every instance (and with OpenIM's Go nodes); users and the audit log in PostgreSQL.
    /// </summary>
    public static IServiceCollection AddRedisStores(this IServiceCollection services) =>
        services.AddKeyedSingleton<IStoreBackend, Backend>(ServerSettings.RedisKind);

    private sealed class Backend(TimeProvider time) : IStoreBackend
    {
        public string TokenStoreName => "redis";

        public string UserStoreName => "postgres";

        public async Task<OpenedStores> OpenAsync(ServerSettings settings, List<IAsyncDisposable> resources, CancellationToken cancellationToken)
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(settings.Redis.ToOptions());
            resources.Add(redis);
            // 0 turns the check cache off: every check reads Redis (for deployments whose Go nodes must be seen at once).
            // On a cluster it is off too: it needs one sequence counted by every write, which no cluster script can
            // reach beside the hashes (D18).
            var checkCache = settings.Redis.CheckCacheEntries > 0 && !settings.Redis.ClusterMode
                ? await RedisTokenCheckCache.StartAsync(redis, time, settings.Redis.CheckCacheEntries)
                : null;
            // Kicks are announced by the store's own script, on the channel the bus below listens to. On a cluster a
            // token write waits for a replica for half the timeout, so that a replica's silence still answers in time.
            var tokens = new RedisTokenStateStore(redis, settings.Auth.LongestTokenLifetime, checkCache, announceKicks: true,
                hintedTokens: settings.Redis.HintedTokens,
                clusterReplicaWait: settings.Redis.ClusterMode ? TimeSpan.FromMilliseconds(Math.Max(1, settings.Redis.TimeoutMs / 2)) : null);
            var revocations = await RedisRevocationBus.SubscribeAsync(redis, checkCache);
            var marks = await RevocationMarks.LoadAsync(await RedisRevocationMarkStore.SubscribeAsync(redis), cancellationToken);
            var sessionNotes = new RedisSessionNoteStore(redis, settings.Auth.LongestTokenLifetime);
            var subscriptions = new RedisStatusSubscriptionStore(redis);
            var presence = await RedisPresenceDirectory.StartAsync(redis, time);
            resources.Add(presence);
            var statusChanges = await RedisStatusChangeBus.SubscribeAsync(redis);
            var secretFailures = new RedisSecretFailureStore(redis, settings.Security.Lockout, time);
            // 0 remembers no user, but still deletes and announces every change for the instances and Go nodes that do.
            var userCache = await RedisUserCache.StartAsync(redis, time, settings.Redis.UserCacheEntries);
            var timeout = TimeSpan.FromMilliseconds(settings.PostgresTimeoutMs);
            var users = await PostgresUserStore.OpenAsync(settings.PostgresConnectionString, timeout, cancellationToken);
            resources.Add(users);
            var audit = await PostgresAuditStore.OpenAsync(settings.PostgresConnectionString, timeout, cancellationToken);
            resources.Add(audit);
            return new OpenedStores(tokens, users, revocations, marks, sessionNotes, audit, subscriptions, secretFailures,
                Probes: [new RedisStoreProbe(redis), users],
                SharedPresence: presence,
                SharedStatusChanges: statusChanges,
                UserCache: userCache);
        }
    }
}
