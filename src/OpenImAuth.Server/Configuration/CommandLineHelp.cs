namespace OpenImAuth.Server.Configuration;

/// <summary>
/// <c>--help</c>: how to run the server and every setting it reads. The settings come from the reader itself
/// (<see cref="ServerSettings.Describe"/>), so the list is always the one the server accepts.
/// </summary>
internal static class CommandLineHelp
{
    public static bool IsRequested(string[] args) => args.Any(arg => arg is "--help" or "-h");

    public static void Write(TextWriter output)
    {
        output.WriteLine($"""
            OpenImAuth: an OpenIM-compatible authentication and session server.

            Usage:
              dotnet run --project src/OpenImAuth.Server -c Release [-- <options>]   from the source tree
              OpenImAuth.Server [<options>]                                          a build (dotnet OpenImAuth.Server.dll)

            It runs alone on an embedded SQLite store (storage.kind sqlite, the default), or as any number of
            identical instances on one Redis and one PostgreSQL (storage.kind redis).

            Options:
              --config <file>      read settings from <file> instead of {ConfigurationSources.DefaultConfigFile}
              --<key>=<value>      set one setting; dots or colons between levels (--tokenPolicy.expire=30)
              -h, --help           print this help and exit

            Settings are read from the config file, then from environment variables with the prefix
            {ConfigurationSources.EnvironmentPrefix} and __ between levels ({ConfigurationSources.EnvironmentPrefix}tokenPolicy__expire=30; list items as
            {ConfigurationSources.EnvironmentPrefix}api__openImApiPort__0=10002), then from --key=value arguments; a later one wins.
            A bad value stops start-up with exit code 2 and names the key; a key the server does not read is
            named in a warning at start-up.

            Settings (key = default, then what it means):
            """);
        foreach (var setting in ServerSettings.Describe())
        {
            output.WriteLine($"  {setting.Key} = {setting.Default}");
            output.WriteLine($"      {setting.Meaning}");
        }
    }
}
