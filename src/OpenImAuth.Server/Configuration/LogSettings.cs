namespace OpenImAuth.Server.Configuration;

/// <summary>The <c>log.*</c> keys: how log lines are written, and from which level up.</summary>
/// <param name="Json">One JSON object per line instead of text.</param>
/// <param name="Level">The least severe level written.</param>
internal sealed record LogSettings(bool Json, LogLevel Level)
{
    public static LogSettings Read(SettingsReader read)
    {
        var json = read.String("log:format", "text", "text, or json for one JSON object per line") switch
        {
            "text" => false,
            "json" => true,
            var other => read.Fail("log:format", $"'{other}' is not a log format; use text or json", false),
        };
        var levelText = read.String("log:level", nameof(LogLevel.Information),
            "least severe level written: Trace, Debug, Information, Warning, Error, Critical or None");
        // By name only: Enum.TryParse would also take "7", which is no level.
        var level = Enum.GetValues<LogLevel>().FirstOrDefault(l => string.Equals(l.ToString(), levelText, StringComparison.OrdinalIgnoreCase), (LogLevel)(-1));
        if (level < 0)
        {
            read.Fail("log:level", $"'{levelText}' is not a level; use Trace, Debug, Information, Warning, Error, Critical or None");
            level = LogLevel.Information;
        }
        return new LogSettings(json, level);
    }
}
