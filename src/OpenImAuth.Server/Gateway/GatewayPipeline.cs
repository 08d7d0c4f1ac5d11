using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenImAuth.Core.Presence;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Gateway;

internal static class GatewayPipeline
{
    /// <summary>The connection registry, the presence directory (local unless one was registered before) and shutdown.</summary>
    public static IServiceCollection AddOpenImGateway(this IServiceCollection services)
    {
        services.AddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<IPresenceDirectory, LocalPresenceDirectory>();
        services.AddSingleton<GatewayServices>();
        services.AddHostedService<GatewayLifetime>();
        return services;
    }

    /// <summary>
    /// Requests that arrive on a gateway port (longConnSvr.openImWsPort) are the gateway's, whatever their path, and
    /// never reach the API routes; requests on the API ports never reach the gateway.
    /// </summary>
    public static IApplicationBuilder UseOpenImGateway(this IApplicationBuilder app, GatewaySettings settings) =>
        app.MapWhen(context => settings.IsGatewayPort(context.Connection.LocalPort), gateway =>
        {
            // No subprotocol, no Origin check (OpenIM accepts any origin) and no permessage-deflate.
            gateway.UseWebSockets();
            gateway.Run(GatewayEndpoint.HandleAsync);
        });
}
