namespace OpenImAuth.Server.Hosting;

internal static class HostedAfterStores
{
    /// <summary>
    /// Registers <typeparamref name="T"/> as a singleton and as a hosted service made when the host starts it rather
    /// than with the other hosted services: the host makes every hosted service before it starts the first, which is
    /// before <see cref="StoreLifecycle"/> has opened the stores that <typeparamref name="T"/> is built on. Stopped in
    /// registration order reversed, like any hosted service.
    /// </summary>
    public static IServiceCollection AddHostedServiceAfterStores<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        return services.AddHostedService(sp => new Starter<T>(sp));
    }

    private sealed class Starter<T>(IServiceProvider services) : IHostedService
        where T : class, IHostedService
    {
        private T? _started;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _started = services.GetRequiredService<T>();
            return _started.StartAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) =>
            _started?.StopAsync(cancellationToken) ?? Task.CompletedTask;
    }
}
