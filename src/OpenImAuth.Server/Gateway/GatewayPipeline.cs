using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenImAuth.Core.Presence;

namespace OpenImAuth.Server.Gateway;

internal static class GatewayPipeline
{
    /// <summary>
    /// The connection registry, the presence directory (local unless one was registered before), shutdown, and the
    /// listener of the gateway ports (longConnSvr.openImWsPort): requests that arrive there are the gateway's, whatever
    /// their path, and never reach the API routes; requests on the API ports never reach the gateway.
    /// </summary>
    public static IServiceCollection AddOpenImGateway(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<IPresenceDirectory, LocalPresenceDirectory>();
        services.AddSingleton<StatusWatchers>();
        services.AddSingleton<GatewayServices>();
        // Stopped in reverse order: the listener stops accepting before the lifetime waits for connections to end.
        services.AddHostedService<GatewayLifetime>();
        services.AddHostedService<GatewayListener>();
        return services;
    }
}
