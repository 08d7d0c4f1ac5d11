using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Gateway;

/// <summary>The services a gateway connect needs, resolved once.</summary>
internal sealed class GatewayServices(
    ServerSettings settings, ConnectionRegistry registry, TokenService tokens, IPresenceDirectory presence,
    TimeProvider time, ILoggerFactory loggers, Sessions.SessionActivity activity, StatusWatchers watchers)
{
    /// <summary>The connections' online-status subscriptions (2005) and the push of changes to them.</summary>
    public StatusWatchers Watchers => watchers;

    /// <summary>Where a connect is recorded as the token's last use.</summary>
    public Sessions.SessionActivity Activity => activity;

    public GatewaySettings Settings => settings.Gateway;

    public ServerSettings Server => settings;

    public ConnectionRegistry Registry => registry;

    public TokenService Tokens => tokens;

    public IPresenceDirectory Presence => presence;

    public TimeProvider Time => time;

    public ILogger Logger { get; } = loggers.CreateLogger("OpenImAuth.Gateway");
}
