using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Hosting;

internal static class StoreRegistration
{
    /// <summary>
    /// The store the settings name, opened when the host starts (<see cref="StoreLifecycle"/>), and each of its stores
    /// as a service. The backends themselves are registered under their <c>storage.kind</c>
    /// (<see cref="SqliteStores.AddSqliteStores"/>, <see cref="RedisStores.AddRedisStores"/>): the kind is known only
    /// from the final configuration, which a test host completes while the host is built, so it picks one then.
    /// </summary>
    public static IServiceCollection AddOpenImStores(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredKeyedService<IStoreBackend>(sp.GetRequiredService<ServerSettings>().StorageKind));
        services.AddSingleton<StoreLifecycle>();
        // The first hosted service, so that it is also the first thing made and the last disposed.
        services.AddHostedService(sp => sp.GetRequiredService<StoreLifecycle>());
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.Tokens);
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.Users);
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.Revocations);
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.Marks);
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.SessionNotes);
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.Subscriptions);
        services.AddSingleton(sp => sp.GetRequiredService<StoreLifecycle>().Opened.SecretFailures);
        return services;
    }
}
