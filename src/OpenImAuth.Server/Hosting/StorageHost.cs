using OpenImAuth.Core;
using OpenImAuth.Core.Audit;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Revocation;
using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Storage.Postgres;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Storage.Sqlite;
using StackExchange.Redis;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Opens the configured store before the first request and closes it on shutdown: the embedded SQLite file, or
/// Redis (token state, revocation channel) plus PostgreSQL (users) when scaled out. Opening is asynchronous, so it
/// happens once at start-up instead of inside a service factory.
/// </summary>
internal sealed class StorageHost(TimeProvider time) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _resources = [];
    private readonly List<IStoreProbe> _probes = [];

    public ITokenStateStore Tokens { get; private set; } = null!;

    public IUserStore Users { get; private set; } = null!;

    public IRevocationBus Revocations { get; private set; } = null!;

    /// <summary>The revocation marks in force, kept current from the store's announcements.</summary>
    public RevocationMarks Marks { get; private set; } = null!;

    /// <summary>Each token's last use and whether it was revoked alone, for the sessions route.</summary>
    public ISessionNoteStore SessionNotes { get; private set; } = null!;

    /// <summary>The audit log: a table of the SQLite file, or of PostgreSQL beside the users.</summary>
    public IAuditStore Audit { get; private set; } = null!;

    /// <summary>One readiness probe per store opened (GET /readyz).</summary>
    public IReadOnlyList<IStoreProbe> Probes => _probes;

    /// <summary>The presence directory shared by every instance, or null when one instance alone is the truth.</summary>
    public IPresenceDirectory? SharedPresence { get; private set; }

    /// <summary>REST online-status subscriptions: a table of the SQLite file, or sorted sets in Redis (D15).</summary>
    public IStatusSubscriptionStore Subscriptions { get; private set; } = null!;

    /// <summary>Online-status changes for the gateways' subscribers: Redis pub/sub when scaled out, else null (local).</summary>
    public IStatusChangeBus? SharedStatusChanges { get; private set; }

    /// <summary>Wrong secrets and lockouts per client address: in memory alone, in Redis (shared) when scaled out.</summary>
    public ISecretFailureStore SecretFailures { get; private set; } = null!;

    private RedisUserCache? _userCache;

    public async Task OpenAsync(ServerSettings settings, CancellationToken cancellationToken)
    {
        if (settings.StorageKind == ServerSettings.RedisKind)
        {
            await OpenScaleOutAsync(settings, cancellationToken);
        }
        else
        {
            var database = await SqliteDatabase.OpenAsync(settings.DataDirectory, cancellationToken);
            _resources.Add(database);
            _probes.Add(database);
            Tokens = await SqliteTokenStateStore.OpenAsync(database, time, cancellationToken);
            Users = new SqliteUserStore(database);
            Audit = new SqliteAuditStore(database);
            Revocations = new LocalRevocationBus();
            Marks = await RevocationMarks.LoadAsync(new SqliteRevocationMarkStore(database), cancellationToken);
            SessionNotes = new SqliteSessionNoteStore(database);
            Subscriptions = new SqliteStatusSubscriptionStore(database);
            SecretFailures = new InMemorySecretFailureStore(settings.Security.Lockout, time);
        }
        if (settings.Prometheus.Enabled)
        {
            var scaledOut = settings.StorageKind == ServerSettings.RedisKind;
            Tokens = new MeteredTokenStateStore(Tokens, scaledOut ? "redis" : "sqlite");
            Users = new MeteredUserStore(Users, scaledOut ? "postgres" : "sqlite");
        }
        if (_userCache is not null)
        {
            // Outside the metering: its timings stay those of PostgreSQL's own calls.
            Users = new CachedUserStore(Users, _userCache);
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Configured administrators exist from start-up without registration (docs/decisions.md, D9); AppAdmin = 2.
        await Users.EnsureRegisteredAsync(
            settings.Auth.Admins.Select(a => new UserRecord(a.UserId, a.Nickname, "", "", 2, 0, now)).ToList(),
            cancellationToken);
    }

    private async Task OpenScaleOutAsync(ServerSettings settings, CancellationToken cancellationToken)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(settings.Redis.ToOptions());
        _resources.Add(redis);
        _probes.Add(new RedisStoreProbe(redis));
        // 0 turns the check cache off: every check reads Redis (for deployments whose Go nodes must be seen at once).
        // On a cluster it is off too: it needs one sequence counted by every write, which no cluster script can
        // reach beside the hashes (D18).
        var checkCache = settings.Redis.CheckCacheEntries > 0 && !settings.Redis.ClusterMode
            ? await RedisTokenCheckCache.StartAsync(redis, time, settings.Redis.CheckCacheEntries)
            : null;
        // Kicks are announced by the store's own script, on the channel the bus below listens to. On a cluster a
        // token write waits for a replica for half the timeout, so that a replica's silence still answers in time.
        Tokens = new RedisTokenStateStore(redis, settings.Auth.LongestTokenLifetime, checkCache, announceKicks: true,
            hintedTokens: settings.Redis.HintedTokens,
            clusterReplicaWait: settings.Redis.ClusterMode ? TimeSpan.FromMilliseconds(Math.Max(1, settings.Redis.TimeoutMs / 2)) : null);
        Revocations = await RedisRevocationBus.SubscribeAsync(redis, checkCache);
        Marks = await RevocationMarks.LoadAsync(await RedisRevocationMarkStore.SubscribeAsync(redis), cancellationToken);
        SessionNotes = new RedisSessionNoteStore(redis, settings.Auth.LongestTokenLifetime);
        Subscriptions = new RedisStatusSubscriptionStore(redis);
        var presence = await RedisPresenceDirectory.StartAsync(redis, time);
        _resources.Add(presence);
        SharedPresence = presence;
        SharedStatusChanges = await RedisStatusChangeBus.SubscribeAsync(redis);
        SecretFailures = new RedisSecretFailureStore(redis, settings.Security.Lockout, time);
        // 0 remembers no user, but still deletes and announces every change for the instances and Go nodes that do.
        _userCache = await RedisUserCache.StartAsync(redis, time, settings.Redis.UserCacheEntries);
        var users = await PostgresUserStore.OpenAsync(settings.PostgresConnectionString,
            TimeSpan.FromMilliseconds(settings.PostgresTimeoutMs), cancellationToken);
        _resources.Add(users);
        _probes.Add(users);
        Users = users;
        var audit = await PostgresAuditStore.OpenAsync(settings.PostgresConnectionString,
            TimeSpan.FromMilliseconds(settings.PostgresTimeoutMs), cancellationToken);
        _resources.Add(audit);
        Audit = audit;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_resources))
        {
            await resource.DisposeAsync();
        }
    }
}
