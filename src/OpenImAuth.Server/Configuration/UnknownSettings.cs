namespace OpenImAuth.Server.Configuration;

/// <summary>
/// Finds the keys an operator set that the server never reads (a typo such as <c>storag.kind</c> would otherwise
/// leave the default in force without a word), one line per key, with the closest key the server does read.
/// </summary>
internal static class UnknownSettings
{
    /// <summary>
    /// Keys the ASP.NET Core host itself reads from the same arguments and variables (test hosts pass the first three
    /// on every start); they are not ours to describe, and not unknown.
    /// </summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "applicationName", "contentRoot", "environment", "webroot", "urls", "http_ports", "https_ports",
        "detailedErrors", "hostingStartupAssemblies", "hostingStartupExcludeAssemblies", "preventHostingStartup",
        "captureStartupErrors", "suppressStatusMessages", "shutdownTimeoutSeconds", "preferHostingUrls",
    };

    /// <param name="sources">Each source's providers with a function naming where a key was set in it.</param>
    /// <param name="known">The settings the server reads (<see cref="ServerSettings.Describe"/>).</param>
    public static List<string> Find(IEnumerable<(IConfigurationProvider Provider, Func<string, string> Where)> sources,
        IReadOnlyList<SettingDescription> known)
    {
        var byKey = known.ToDictionary(s => s.Key, StringComparer.OrdinalIgnoreCase);
        var found = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (provider, where) in sources)
        {
            foreach (var key in Leaves(provider, parent: null))
            {
                if (IsKnown(key, byKey) || HostKeys.Contains(key))
                {
                    continue;
                }
                // An unknown list is one setting, not one per item.
                var segments = key.Split(':');
                var named = string.Join('.', segments.TakeWhile(s => !IsIndex(s)));
                if (named.Length == 0)
                {
                    continue;
                }
                if (!found.TryGetValue(named, out var places))
                {
                    found[named] = places = [];
                }
                if (!places.Contains(where(key)))
                {
                    places.Add(where(key));
                }
            }
        }
        return found.Select(pair => $"{pair.Key}: {Problem(pair.Key, byKey, known)}, ignored (set in {string.Join(" and ", pair.Value)})").ToList();
    }

    private static string Problem(string key, Dictionary<string, SettingDescription> byKey, IReadOnlyList<SettingDescription> known) =>
        // A known key written as a section (secret: [x], or a list of lists) is not read at all: its default stays.
        byKey.TryGetValue(key, out var setting)
            ? $"has items or sub-keys, but the server reads {(setting.IsList ? "a list of plain values" : "one plain value")} here"
            : $"unknown setting{Suggestion(key, known)}";

    private static bool IsKnown(string key, Dictionary<string, SettingDescription> byKey)
    {
        var segments = key.Split(':');
        var dotted = string.Join('.', segments);
        if (byKey.ContainsKey(dotted))
        {
            return true;
        }
        // A list's items: api.openImApiPort:0 is api.openImApiPort.
        var listLength = segments.Length;
        while (listLength > 1 && IsIndex(segments[listLength - 1]))
        {
            listLength--;
        }
        return listLength == segments.Length - 1 && byKey.TryGetValue(string.Join('.', segments[..listLength]), out var list) && list.IsList;
    }

    private static bool IsIndex(string segment) => segment.Length > 0 && segment.All(char.IsAsciiDigit);

    /// <summary>Every key with a value under <paramref name="parent"/>, colon-separated as configuration keeps them.</summary>
    private static IEnumerable<string> Leaves(IConfigurationProvider provider, string? parent)
    {
        var children = provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (children.Count == 0 && parent is not null)
        {
            yield return parent;
        }
        foreach (var child in children)
        {
            foreach (var leaf in Leaves(provider, parent is null ? child : $"{parent}:{child}"))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>
    /// A known key a typo or two away; else, for a key at the top level or in one of our sections (a key at the wrong
    /// level), the one known key with the same last part. A section of OpenIM's that we do not read (mongo.address)
    /// gets no suggestion: redis.address is not what its author meant.
    /// </summary>
    private static string Suggestion(string unknown, IReadOnlyList<SettingDescription> known)
    {
        var nearest = known.Select(s => (s.Key, Distance: EditDistance(unknown.ToLowerInvariant(), s.Key.ToLowerInvariant())))
            .MinBy(c => c.Distance);
        if (nearest.Key is not null && nearest.Distance <= Math.Max(2, unknown.Length / 4))
        {
            return $" (did you mean {nearest.Key}?)";
        }
        var dot = unknown.LastIndexOf('.');
        var section = dot < 0 ? null : unknown[..unknown.IndexOf('.', StringComparison.Ordinal)] + ".";
        if (section is not null && !known.Any(s => s.Key.StartsWith(section, StringComparison.OrdinalIgnoreCase)))
        {
            return "";
        }
        var leaf = unknown[(dot + 1)..];
        var sameLeaf = known.Where(s => s.Key[(s.Key.LastIndexOf('.') + 1)..].Equals(leaf, StringComparison.OrdinalIgnoreCase)).ToList();
        return sameLeaf.Count == 1 ? $" (did you mean {sameLeaf[0].Key}?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
