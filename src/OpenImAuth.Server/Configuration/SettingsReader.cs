using System.Globalization;
using System.Net;

namespace OpenImAuth.Server.Configuration;

/// <summary>
/// Typed reads of configuration keys that collect errors naming the key, instead of throwing at the first. Each read
/// also records the key with its default and meaning, so that the keys the server reads, the ones <c>--help</c>
/// lists and the ones start-up does not warn about are one list that cannot drift apart.
/// </summary>
internal sealed class SettingsReader(IConfiguration configuration)
{
    private readonly Dictionary<string, SettingDescription> _described = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Errors { get; } = [];

    public List<string> Warnings { get; } = [];

    /// <summary>Every key read so far, in the order first read.</summary>
    public IReadOnlyList<SettingDescription> Described => [.. _described.Values];

    public void Fail(string key, string problem) => Errors.Add($"{key.Replace(':', '.')}: {problem}");

    public T Fail<T>(string key, string problem, T fallback)
    {
        Fail(key, problem);
        return fallback;
    }

    public void Warn(string key, string problem) => Warnings.Add($"{key.Replace(':', '.')}: {problem}");

    public string String(string key, string fallback, string meaning)
    {
        Describe(key, fallback.Length == 0 ? "none" : fallback, meaning);
        return configuration[key] ?? fallback;
    }

    public int Int(string key, int fallback, int min, int max, string meaning)
    {
        Describe(key, fallback.ToString(CultureInfo.InvariantCulture), meaning);
        var text = configuration[key];
        return text is null ? fallback : ParseInt(key, text, min, max);
    }

    /// <summary>A whole number whose default follows from other settings, so <paramref name="defaultText"/> describes it.</summary>
    public long Long(string key, long fallback, string defaultText, long min, long max, string meaning)
    {
        Describe(key, defaultText, meaning);
        var text = configuration[key];
        if (text is null)
        {
            return fallback;
        }
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return Fail(key, $"'{text}' is not a whole number", min);
        }
        return value < min || value > max ? Fail(key, $"{value} is out of range ({min}..{max})", min) : value;
    }

    public bool Bool(string key, bool fallback, string meaning)
    {
        Describe(key, fallback ? "true" : "false", meaning);
        var text = configuration[key];
        if (text is null)
        {
            return fallback;
        }
        return bool.TryParse(text, out var value) ? value : Fail(key, $"'{text}' is not true or false", fallback);
    }

    /// <summary>A YAML list (<c>[a, b]</c>), indexed keys (<c>key__0</c>), or one plain value.</summary>
    public IReadOnlyList<string> StringList(string key, IReadOnlyList<string> fallback, string meaning)
    {
        Describe(key, $"[{string.Join(", ", fallback)}]", meaning, isList: true);
        return Items(key, fallback);
    }

    public IReadOnlyList<int> IntList(string key, IReadOnlyList<int> fallback, int min, int max, string meaning)
    {
        Describe(key, $"[{string.Join(", ", fallback)}]", meaning, isList: true);
        var texts = Items(key, []);
        return texts.Count == 0 ? fallback : texts.Select(t => ParseInt(key, t, min, max)).ToList();
    }

    public IPAddress IpAddress(string key, IPAddress fallback, string meaning)
    {
        Describe(key, fallback.ToString(), meaning);
        var text = configuration[key];
        if (text is null)
        {
            return fallback;
        }
        return IPAddress.TryParse(text, out var address) ? address : Fail(key, $"'{text}' is not an IP address", fallback);
    }

    private void Describe(string key, string fallback, string meaning, bool isList = false) =>
        _described.TryAdd(key, new SettingDescription(key.Replace(':', '.'), fallback, meaning, isList));

    private IReadOnlyList<string> Items(string key, IReadOnlyList<string> fallback)
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

    private int ParseInt(string key, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return Fail(key, $"'{text}' is not a whole number", min);
        }
        return value < min || value > max ? Fail(key, $"{value} is out of range ({min}..{max})", min) : value;
    }
}
