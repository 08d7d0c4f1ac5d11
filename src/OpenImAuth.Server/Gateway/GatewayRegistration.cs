using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenImAuth.Core.Presence;
using OpenImAuth.Server.Hosting;

namespace OpenImAuth.Server.Gateway;

internal static class GatewayRegistration
{
    /// <summary>
    /// The gateway: the connection registry, the presence directory (local unless one was registered before), shutdown
    /// (<see cref="GatewayLifetime"/>), and its entry, <see cref="GatewayListener"/>, which listens on the gateway
    /// ports (longConnSvr.openImWsPort) and accepts their connections: requests that arrive there are the gateway's,
    /// whatever their path, and never reach the API routes; requests on the API ports never reach the gateway.
    /// </summary>
    public static IServiceCollection AddOpenImGateway(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<IPresenceDirectory, LocalPresenceDirectory>();
        services.AddSingleton<StatusWatchers>();
        services.AddSingleton<GatewayServices>();
        // Both are built on the token store. Stopped in reverse order: the listener stops accepting before the
        // lifetime waits for connections to end.
        services.AddHostedServiceAfterStores<GatewayLifetime>();
        services.AddHostedServiceAfterStores<GatewayListener>();
        return services;
    }
}
