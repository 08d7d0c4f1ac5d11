using System.Globalization;
using System.Net;

namespace OpenImAuth.Server.Configuration;

/// <summary>Typed reads of configuration keys that collect errors naming the key, instead of throwing at the first.</summary>
internal sealed class SettingsReader(IConfiguration configuration)
{
    public List<string> Errors { get; } = [];

    public void Fail(string key, string problem) => Errors.Add($"{key.Replace(':', '.')}: {problem}");

    public T Fail<T>(string key, string problem, T fallback)
    {
        Fail(key, problem);
        return fallback;
    }

    public string String(string key, string fallback) => configuration[key] ?? fallback;

    public int Int(string key, int fallback, int min, int max)
    {
        var text = configuration[key];
        return text is null ? fallback : ParseInt(key, text, min, max);
    }

    /// <summary>A YAML list (<c>[a, b]</c>), indexed keys (<c>key__0</c>), or one plain value.</summary>
    public IReadOnlyList<string> StringList(string key, IReadOnlyList<string> fallback)
    {
        var section = configuration.GetSection(key);
        if (section.Value is { Length: > 0 } single)
        {
            return [single];
        }
        // An empty value beside indexed children is their parent's (a test host copies parents as keys of their own).
        var items = section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue).ToList();
        if (items.Count == 0)
        {
            return section.Value is { } empty ? [empty] : fallback;
        }
        return items.Select(c => c.Value ?? "").ToList();
    }

    public IReadOnlyList<int> IntList(string key, IReadOnlyList<int> fallback, int min, int max)
    {
        var texts = StringList(key, []);
        return texts.Count == 0 ? fallback : texts.Select(t => ParseInt(key, t, min, max)).ToList();
    }

    public IPAddress IpAddress(string key, IPAddress fallback)
    {
        var text = configuration[key];
        if (text is null)
        {
            return fallback;
        }
        return IPAddress.TryParse(text, out var address) ? address : Fail(key, $"'{text}' is not an IP address", fallback);
    }

    private int ParseInt(string key, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return Fail(key, $"'{text}' is not a whole number", min);
        }
        return value < min || value > max ? Fail(key, $"{value} is out of range ({min}..{max})", min) : value;
    }
}
