using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Gateway;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Hosting;

internal static class ServiceRegistration
{
    /// <summary>Settings, clock, store, the token/user services and the gateway, all singletons.</summary>
    public static IServiceCollection AddOpenImAuth(this IServiceCollection services)
    {
        // Settings are read from the final configuration (after test hosts add theirs); Program validated them first.
        services.AddSingleton(sp => ServerSettings.LoadValid(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(TimeProvider.System);
        // How long stopping waits for requests in flight and gateway connections to end. Read without failing:
        // the host reads its options while it is built, and Program reports bad configuration after that.
        services.AddOptions<HostOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            if (ServerSettings.Load(configuration).Settings is { } settings)
            {
                options.ShutdownTimeout = TimeSpan.FromSeconds(settings.ShutdownTimeoutSeconds);
            }
        });
        services.AddSingleton<StorageHost>();
        services.AddSingleton(sp => sp.GetRequiredService<StorageHost>().Revocations);
        services.AddSingleton(sp => new TokenService(
            sp.GetRequiredService<ServerSettings>().Auth,
            sp.GetRequiredService<StorageHost>().Tokens,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IRevocationBus>(),
            sp.GetRequiredService<StorageHost>().Marks));
        services.AddSingleton(sp => new AuthServices(
            sp.GetRequiredService<TokenService>(),
            sp.GetRequiredService<StorageHost>().Users,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IPresenceDirectory>(),
            sp.GetRequiredService<SecretGuard>(),
            sp.GetRequiredService<Sessions.SessionActivity>(),
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<StorageHost>().Subscriptions));
        services.AddSingleton<SecretGuard>();
        // The audit log: handlers queue entries, a background writer stores them in batches, another prunes them.
        services.AddSingleton<AuditTrail>();
        services.AddHostedService<AuditWriter>();
        services.AddHostedService<AuditRetention>();
        services.AddSingleton<RequestLog>();
        services.AddOpenImRateLimit();
        services.AddHostedService<RegisteredUsersWarmUp>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Sessions.SessionActivity>(sp, sp.GetRequiredService<StorageHost>().SessionNotes));
        services.AddHostedService(sp => sp.GetRequiredService<Sessions.SessionActivity>());
        services.AddSingleton<ExpiredTokenSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpiredTokenSweep>());
        // Scaled out, presence is shared through Redis; alone, the local connection registry answers.
        services.AddSingleton<IPresenceDirectory>(sp =>
            sp.GetRequiredService<StorageHost>().SharedPresence ?? ActivatorUtilities.CreateInstance<LocalPresenceDirectory>(sp));
        services.AddSingleton<IStatusChangeBus>(sp =>
            sp.GetRequiredService<StorageHost>().SharedStatusChanges ?? new Gateway.LocalStatusChangeBus());
        services.AddOpenImGateway();
        return services;
    }

    /// <summary>Kestrel listens on api.listenIP at every api.openImApiPort, and at prometheus.port when set.</summary>
    public static void ListenOnConfiguredPorts(this IWebHostBuilder webHost) =>
        webHost.ConfigureKestrel((context, kestrel) =>
        {
            if (ServerSettings.Load(context.Configuration).Settings is not { } settings)
            {
                return; // Program reports the configuration errors and stops
            }
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
}
