using OpenImAuth.Core;
using OpenImAuth.Core.Audit;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Revocation;
using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Core.Users;
using OpenImAuth.Storage.Redis;

namespace OpenImAuth.Server.Hosting;

/// <summary>The stores of one backend as it opened them (<see cref="IStoreBackend"/>), before metering and caching.</summary>
/// <param name="Tokens">Token state: what every check reads.</param>
/// <param name="Users">The registered users.</param>
/// <param name="Revocations">Where kicks are announced to this instance's checks and gateway connections.</param>
/// <param name="Marks">The revocation marks in force, kept current from the store's announcements.</param>
/// <param name="SessionNotes">Each token's last use and whether it was revoked alone, for the sessions route.</param>
/// <param name="Audit">The audit log: a table of the SQLite file, or of PostgreSQL beside the users.</param>
/// <param name="Subscriptions">REST online-status subscriptions: a table of the SQLite file, or sorted sets in Redis (D15).</param>
/// <param name="SecretFailures">Wrong secrets and lockouts per client address: in memory alone, in Redis (shared) when scaled out.</param>
/// <param name="Probes">One readiness probe per store opened (GET /readyz).</param>
/// <param name="SharedPresence">The presence directory shared by every instance, or null when one instance alone is the truth.</param>
/// <param name="SharedStatusChanges">Online-status changes for the gateways' subscribers: Redis pub/sub when scaled out, else null (local).</param>
/// <param name="UserCache">Users remembered in memory, with Redis announcing every change (scaled out), or null.</param>
internal sealed record OpenedStores(
    ITokenStateStore Tokens,
    IUserStore Users,
    IRevocationBus Revocations,
    RevocationMarks Marks,
    ISessionNoteStore SessionNotes,
    IAuditStore Audit,
    IStatusSubscriptionStore Subscriptions,
    ISecretFailureStore SecretFailures,
    IReadOnlyList<IStoreProbe> Probes,
    IPresenceDirectory? SharedPresence = null,
    IStatusChangeBus? SharedStatusChanges = null,
    RedisUserCache? UserCache = null);
