namespace OpenImAuth.Server.Hosting;

internal static partial class StartupErrors
{
    /// <summary>
    /// Prints each problem on its own line and returns the exit code for "bad configuration". Warnings are said too
    /// when start-up fails, since a misspelt key may be why a value is missing.
    /// </summary>
    public static int Report(IEnumerable<string> errors, IReadOnlyList<string>? warnings = null)
    {
        Console.Error.WriteLine("OpenImAuth cannot start; fix the configuration:");
        foreach (var error in errors)
        {
            Console.Error.WriteLine("  " + error);
        }
        if (warnings is { Count: > 0 })
        {
            Console.Error.WriteLine("Warnings:");
            foreach (var warning in warnings)
            {
                Console.Error.WriteLine("  " + warning);
            }
        }
        return 2;
    }

    /// <summary>Logs each warning once, under the category OpenImAuth.Configuration.</summary>
    public static void LogWarnings(ILoggerFactory loggers, IEnumerable<string> warnings)
    {
        var logger = loggers.CreateLogger("OpenImAuth.Configuration");
        foreach (var warning in warnings)
        {
            LogWarning(logger, warning);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);
}
