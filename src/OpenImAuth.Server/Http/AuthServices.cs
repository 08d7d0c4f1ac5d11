using OpenImAuth.Core;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Http;

/// <summary>The services every handler needs, as one bag (eShop's [AsParameters] services, without the binding).</summary>
internal sealed class AuthServices(TokenService tokens, IUserStore users, TimeProvider time, IPresenceDirectory presence,
    SecretGuard guard, Sessions.SessionActivity activity, AuditTrail audit, IStatusSubscriptionStore subscriptions)
{
    public IStatusSubscriptionStore Subscriptions => subscriptions;

    public Sessions.SessionActivity Activity => activity;

    public TokenService Tokens => tokens;

    public RegisteredUsers Registered { get; } = new(users);

    public IUserStore Users => users;

    public TimeProvider Time => time;

    public IPresenceDirectory Presence => presence;

    public SecretGuard Guard => guard;

    public AuditTrail Audit => audit;

    public AuthOptions Options => tokens.Options;
}
