namespace OpenImAuth.Server.Configuration;

internal static class SecretReloadRegistration
{
    /// <summary>Reloads secret and previousSecrets from the config file these arguments choose (see <see cref="SecretReload"/>).</summary>
    public static IServiceCollection AddSecretReload(this IServiceCollection services, string[] args) =>
        services.AddHostedService(sp => new SecretReload(
            sp.GetRequiredService<ServerSettings>(),
            sp.GetRequiredService<ILogger<SecretReload>>(),
            ConfigurationSources.ConfigFilePath(args),
            args));
}
