using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Revocation;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Gateway;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Security;
using OpenImAuth.Server.Sessions;

namespace OpenImAuth.Server.Hosting;

internal static class ServiceRegistration
{
    /// <summary>Settings, clock, the configured store, the token/user services and their background work, all singletons.</summary>
    public static IServiceCollection AddOpenImAuth(this IServiceCollection services)
    {
        services.AddServerSettings();
        services.AddSingleton(TimeProvider.System);
        // How long stopping waits for requests in flight and gateway connections to end. The host reads its options
        // while it is built, before start-up validates the settings: so from the reading itself, which does not throw,
        // and only when it found no errors (start-up then stops anyway).
        services.AddOptions<HostOptions>().Configure<ServerSettingsRead>((options, read) =>
        {
            if (read.Errors.Count == 0)
            {
                options.ShutdownTimeout = TimeSpan.FromSeconds(read.AsRead.ShutdownTimeoutSeconds);
            }
        });
        services.AddOpenImStores();
        services.AddSingleton(sp => new TokenService(
            sp.GetRequiredService<ServerSettings>().Auth,
            sp.GetRequiredService<ITokenStateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IRevocationBus>(),
            sp.GetRequiredService<RevocationMarks>()));
        services.AddSingleton<AuthServices>();
        services.AddSingleton<SecretGuard>();
        // The audit log: handlers queue entries, a background writer stores them in batches, another prunes them.
        services.AddSingleton<AuditTrail>();
        services.AddHostedService<AuditWriter>();
        services.AddHostedService<AuditRetention>();
        services.AddSingleton<RequestLog>();
        services.AddOpenImRateLimit();
        services.AddHostedServiceAfterStores<RegisteredUsersWarmUp>();
        services.AddHostedServiceAfterStores<SessionActivity>();
        services.AddHostedServiceAfterStores<ExpiredTokenSweep>();
        // Scaled out, presence is shared through Redis; alone, the local connection registry answers.
        services.AddSingleton<IPresenceDirectory>(sp =>
            sp.GetRequiredService<StoreLifecycle>().Opened.SharedPresence ?? ActivatorUtilities.CreateInstance<LocalPresenceDirectory>(sp));
        services.AddSingleton<IStatusChangeBus>(sp =>
            sp.GetRequiredService<StoreLifecycle>().Opened.SharedStatusChanges ?? new LocalStatusChangeBus());
        return services;
    }

    /// <summary>
    /// Kestrel listens on api.listenIP at every api.openImApiPort, and at prometheus.port when set. Kestrel, too, reads
    /// its options while the host is built, so from the reading, and only when it found no errors.
    /// </summary>
    public static IServiceCollection ListenOnConfiguredPorts(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<ServerSettingsRead>((kestrel, read) =>
        {
            if (read.Errors.Count > 0)
            {
                return; // start-up reports the errors and stops
            }
            var settings = read.AsRead;
            // The gateway ports are GatewayListener's, not Kestrel's.
            foreach (var port in settings.ApiPorts)
            {
                kestrel.Listen(settings.ListenIp, port);
            }
            if (settings.Prometheus.Port is { } metricsPort)
            {
                kestrel.Listen(settings.ListenIp, metricsPort); // /metrics only (OpenImMetrics.UseOpenImMetrics)
            }
            kestrel.AddServerHeader = false;
            // Our own limit answers 413 with an envelope; Kestrel's (30 MB by default) must not cut in before it.
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes + 65536L;
        });
        return services;
    }
}
