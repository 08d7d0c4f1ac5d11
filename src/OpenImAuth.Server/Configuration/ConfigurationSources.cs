using YamlDotNet.Core;

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

    /// <summary>
    /// Replaces the host's default sources with ours. A missing explicit file or a file that is not valid YAML is an
    /// error naming the file (and the line and column).
    /// </summary>
    public static SourcesRead Apply(ConfigurationManager configuration, string[] args)
    {
        var (configFile, explicitFile) = FindConfigFile(args);
        configuration.Sources.Clear();
        if (explicitFile && !File.Exists(configFile))
        {
            return new SourcesRead($"config: the file '{configFile}' given by --config does not exist", []);
        }
        var path = Path.GetFullPath(configFile);
        try
        {
            // The configuration manager reads each source as it is added, so this is where a bad file shows.
            configuration.AddYamlFile(path, optional: true, reloadOnChange: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new SourcesRead(DescribeFileError(path, ex), []);
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine([.. NormalizeArguments(args)]);
        // Only our three sources exist yet (test hosts add theirs later), in the order added.
        var providers = ((IConfigurationRoot)configuration).Providers.ToList();
        var unknown = UnknownSettings.Find(
            [
                (providers[0], _ => path),
                (providers[1], key => EnvironmentPrefix + key.Replace(":", "__", StringComparison.Ordinal)),
                (providers[2], key => "--" + key.Replace(':', '.')),
            ],
            ServerSettings.Describe());
        return new SourcesRead(null, unknown);
    }

    /// <summary>The full path of the config file <see cref="Apply"/> reads for these arguments.</summary>
    public static string ConfigFilePath(string[] args) => Path.GetFullPath(FindConfigFile(args).File);

    /// <summary>
    /// The configuration <see cref="Apply"/> would build now, with <paramref name="fileContent"/> as the config file's
    /// content (the bytes the caller compared, not a second read that might find the file mid-write), and the file's
    /// own keys alone. Null with an error naming the file when it is not valid YAML.
    /// </summary>
    public static (IConfigurationRoot? Configuration, IConfigurationRoot? FileOnly, string? Error) Reread(
        string path, byte[] fileContent, string[] args)
    {
        try
        {
            var fileOnly = new ConfigurationBuilder().AddYamlStream(new MemoryStream(fileContent)).Build();
            var configuration = new ConfigurationBuilder()
                .AddYamlStream(new MemoryStream(fileContent))
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddCommandLine([.. NormalizeArguments(args)])
                .Build();
            return (configuration, fileOnly, null);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or YamlException)
        {
            return (null, null, DescribeFileError(path, ex));
        }
    }

    /// <summary>
    /// An argument the command-line reader refuses (<c>-x=1</c>: a short switch it has no mapping for), named before the
    /// host reads the arguments itself and would throw.
    /// </summary>
    public static string? CheckArguments(string[] args)
    {
        try
        {
            new ConfigurationBuilder().AddCommandLine(args).Build();
            return null;
        }
        catch (FormatException ex)
        {
            return $"arguments: {ex.Message.TrimEnd('.')}; write settings as --key=value (--help lists them)";
        }
    }

    private static string DescribeFileError(string path, Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is YamlException yaml)
            {
                // YamlDotNet's message starts with the marks, "(Line: 2, Col: 14, Idx: 18) - (Line: …): "; the line and
                // column are said once, in words.
                var problem = yaml.Message;
                var marks = problem.StartsWith("(Line", StringComparison.Ordinal) ? problem.IndexOf("): ", StringComparison.Ordinal) : -1;
                problem = marks < 0 ? problem : problem[(marks + 3)..];
                // The usual ways in: an unquoted value with a colon in it (listenIP: ::), or a key indented deeper
                // than its neighbours, both of which read as a mapping where none may start.
                var hint = problem.Contains("mapping", StringComparison.OrdinalIgnoreCase)
                    ? " (quote a value that contains a colon, as in listenIP: \"::\", and line a key up with the keys beside it)"
                    : "";
                problem = problem.Length == 0 ? problem : char.ToLowerInvariant(problem[0]) + problem[1..].TrimEnd('.');
                return $"config: {path}, line {yaml.Start.Line}, column {yaml.Start.Column}: {problem}{hint}";
            }
        }
        // No position (a duplicate key, a file that cannot be read): the innermost message says what is wrong.
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return $"config: {path}: {innermost.Message}";
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

    /// <summary>Dots become colons in keys; --config and its file are left out, as they choose the file and set nothing.</summary>
    private static List<string> NormalizeArguments(string[] args)
    {
        var normalized = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--config" && i + 1 < args.Length)
            {
                i++;
                continue;
            }
            if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                normalized.Add(arg);
                continue;
            }
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            normalized.Add(equals < 0 ? arg.Replace('.', ':') : arg[..equals].Replace('.', ':') + arg[equals..]);
        }
        return normalized;
    }
}
