using Microsoft.Extensions.Options;

namespace OpenImAuth.Server.Configuration;

internal static class ServerSettingsRegistration
{
    /// <summary>
    /// <see cref="ServerSettings"/> through the options pipeline: read once, the first time anything asks, from the
    /// final configuration (a test host adds its settings while the host is built), and validated at start.
    /// </summary>
    public static IServiceCollection AddServerSettings(this IServiceCollection services)
    {
        services.AddSingleton(sp => ServerSettings.ReadAll(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IOptionsFactory<ServerSettings>, ServerSettingsFactory>();
        services.AddSingleton<IValidateOptions<ServerSettings>, ServerSettingsValidator>();
        services.AddOptions<ServerSettings>().ValidateOnStart();
        // Services take the validated settings themselves, as they took them before the options pipeline.
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ServerSettings>>().Value);
        return services;
    }
}
