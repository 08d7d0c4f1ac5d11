namespace OpenImAuth.Server.Configuration;

/// <summary>
/// Where settings come from, lowest precedence first: <c>config/config.yaml</c> (or the file after <c>--config</c>),
/// then <c>OPENIMAUTH_</c> environment variables (<c>__</c> between levels), then <c>--key=value</c> arguments, where
/// dotted keys (<c>--tokenPolicy.expire=30</c>) work as well as colon ones.
/// </summary>
internal static class ConfigurationSources
{
    public const string DefaultConfigFile = "config/config.yaml";
    public const string EnvironmentPrefix = "OPENIMAUTH_";

    /// <summary>Replaces the host's default sources with ours; returns an error when an explicit config file is missing.</summary>
    public static string? Apply(IConfigurationBuilder configuration, string[] args)
    {
        var (configFile, explicitFile) = FindConfigFile(args);
        configuration.Sources.Clear();
        if (explicitFile && !File.Exists(configFile))
        {
            return $"config: the file '{configFile}' given by --config does not exist";
        }
        configuration.AddYamlFile(Path.GetFullPath(configFile), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine(NormalizeArguments(args));
        return null;
    }

    private static (string File, bool Explicit) FindConfigFile(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                return (args[i + 1], true);
            }
            if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                return (args[i]["--config=".Length..], true);
            }
        }
        return (DefaultConfigFile, false);
    }

    private static string[] NormalizeArguments(string[] args) =>
        args.Select(arg =>
        {
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return arg;
            }
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? arg.Replace('.', ':') : arg[..equals].Replace('.', ':') + arg[equals..];
        }).ToArray();
}
