namespace OpenImAuth.Server.Hosting;

internal static class StartupErrors
{
    /// <summary>Prints each problem on its own line and returns the exit code for "bad configuration".</summary>
    public static int Report(IEnumerable<string> errors)
    {
        Console.Error.WriteLine("OpenImAuth cannot start; fix the configuration:");
        foreach (var error in errors)
        {
            Console.Error.WriteLine("  " + error);
        }
        return 2;
    }
}
