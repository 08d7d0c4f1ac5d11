using System.Text;
using System.Text.Json.Nodes;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// Malformed request bodies made from a valid one: byte flips, truncation, duplicated keys, wrong types, odd numbers,
/// deep nesting, long strings, control characters, invalid UTF-8, lone-surrogate escapes, unknown fields and whole
/// bodies that are not an object. Each body comes with a short description of what was done to it.
/// </summary>
internal static class BodyFuzzer
{
    private const string Marker = "fuzzmarker0";
    private const string MarkerKey = "fuzzmarker1";

    private static readonly string[] OddNumbers =
    [
        "-1", "0", "-0", "1.5", "-2.5e3", "1e400", "-1e400", "1E2", "1e-7", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999999999",
        "0x10", "01", "+1", ".5", "1.", "NaN", "Infinity", "-", "1e", "0.0000000000000000000001",
    ];

    private static readonly string[] WrongTypes =
        ["\"1\"", "\"\"", "1", "true", "false", "null", "[]", "{}", "[1,\"a\",null]", "{\"a\":1}", "-1.5", "[[]]"];

    private static readonly string[] WholeBodies =
    [
        "", " ", "\n\t", "null", "[]", "true", "0", "\"body\"", "{", "}", "{}", "{}{}", "[{}]", "{\"a\"}", "{\"a\":}",
        "{,}", "{\"a\":1,}", "{'a':1}", "{a:1}", "\ufeff{}", "{} trailing", "{}\u0000", "/* comment */ {}",
    ];

    private static readonly byte[][] InvalidUtf8 =
        [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    private static readonly string[] SurrogateEscapes =
        ["\"\\ud800\"", "\"x\\udfff\"", "\"\\ud83d\\u0041\"", "\"\\ud83d\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\""];

    /// <summary>One malformed body made from <paramref name="valid"/>, and what was done to it.</summary>
    public static (byte[] Body, string Mutation) Mutate(Random random, string valid)
    {
        var (body, mutation) = random.Next(14) switch
        {
            0 => (Utf8(valid), "none"),
            1 => FlipBytes(random, Utf8(valid)),
            2 => Truncate(random, Utf8(valid)),
            3 => AddProperty(random, valid, random.Next(2) == 0 ? "duplicated key" : "unknown field"),
            4 => ReplaceValue(random, valid, "wrong type", Utf8(Pick(random, WrongTypes))),
            5 => ReplaceValue(random, valid, "odd number", Utf8(Pick(random, OddNumbers))),
            6 => ReplaceValue(random, valid, "deep nesting", Utf8(Nested(random))),
            7 => ReplaceValue(random, valid, "long string", Utf8(LongString(random))),
            8 => ReplaceValue(random, valid, "control character", ControlString(random)),
            9 => ReplaceValue(random, valid, "invalid UTF-8", [(byte)'"', (byte)'a', .. Pick(random, InvalidUtf8), (byte)'b', (byte)'"']),
            10 => ReplaceValue(random, valid, "lone surrogate escape", Utf8(Pick(random, SurrogateEscapes))),
            11 => (Utf8(Pick(random, WholeBodies)), "whole body"),
            12 => (RandomBytes(random), "random bytes"),
            _ => (Utf8(valid.ToUpperInvariant()), "keys and values in upper case"),
        };
        // Now and then a second, byte-level, mutation on top of the first.
        if (random.Next(5) == 0 && body.Length > 0)
        {
            var (again, how) = random.Next(2) == 0 ? FlipBytes(random, body) : Truncate(random, body);
            (body, mutation) = (again, $"{mutation}, then {how}");
        }
        return (body, mutation);
    }

    private static (byte[], string) FlipBytes(Random random, byte[] body)
    {
        var flipped = (byte[])body.Clone();
        var count = random.Next(1, 4);
        for (var i = 0; i < count && flipped.Length > 0; i++)
        {
            flipped[random.Next(flipped.Length)] ^= (byte)random.Next(1, 256);
        }
        return (flipped, $"{count} byte flips");
    }

    private static (byte[], string) Truncate(Random random, byte[] body)
    {
        var length = random.Next(body.Length);
        return (body[..length], $"truncated to {length} bytes");
    }

    /// <summary>A property, named as one that exists (a duplicate, in another case) or as none does, in a random object.</summary>
    private static (byte[], string) AddProperty(Random random, string valid, string kind)
    {
        var root = JsonNode.Parse(valid)!;
        var objects = Nodes(root).Select(n => n.Node).Prepend(root).OfType<JsonObject>().ToList();
        var target = objects[random.Next(objects.Count)];
        var existing = target.Select(p => p.Key).ToList();
        var name = Pick(random, ["zzz", "", "\\u0000", "data", "token ", "USERID", "a.b", "\\ud800"]);
        if (kind == "duplicated key" && existing.Count > 0)
        {
            // Go matches keys case-insensitively, so an upper-case twin is a duplicate too.
            name = Pick(random, existing);
            name = random.Next(2) == 0 ? name.ToUpperInvariant() : name;
        }
        target[MarkerKey] = Marker;
        var value = Pick(random, [.. WrongTypes, .. OddNumbers.Take(6), "\"value\""]);
        var text = root.ToJsonString().Replace($"\"{MarkerKey}\":\"{Marker}\"", $"\"{name}\":{value}", StringComparison.Ordinal);
        return (Utf8(text), $"{kind} \"{name}\"");
    }

    /// <summary>A random value of the body (not the body itself) replaced by <paramref name="raw"/> bytes.</summary>
    private static (byte[], string) ReplaceValue(Random random, string valid, string kind, byte[] raw)
    {
        var root = JsonNode.Parse(valid)!;
        var values = Nodes(root).ToList();
        if (values.Count == 0)
        {
            return ([.. "{\"x\":"u8, .. raw, (byte)'}'], $"{kind} as the only field");
        }
        var (_, path, set) = values[random.Next(values.Count)];
        set(Marker);
        var text = root.ToJsonString();
        var at = text.IndexOf($"\"{Marker}\"", StringComparison.Ordinal);
        return ([.. Utf8(text[..at]), .. raw, .. Utf8(text[(at + Marker.Length + 2)..])], $"{kind} at {path}");
    }

    /// <summary>Every value below <paramref name="node"/>, with its path and a way to replace it.</summary>
    private static IEnumerable<(JsonNode? Node, string Path, Action<JsonNode> Set)> Nodes(JsonNode node, string path = "$")
    {
        var children = node switch
        {
            JsonObject obj => obj.Select(p => (p.Value, $"{path}.{p.Key}", (Action<JsonNode>)(v => obj[p.Key] = v))).ToList(),
            JsonArray array => array.Select((v, i) => (v, $"{path}[{i}]", (Action<JsonNode>)(n => array[i] = n))).ToList(),
            _ => [],
        };
        foreach (var (child, childPath, set) in children)
        {
            yield return (child, childPath, set);
            if (child is not null)
            {
                foreach (var below in Nodes(child, childPath))
                {
                    yield return below;
                }
            }
        }
    }

    private static string Nested(Random random)
    {
        var depth = Pick(random, [63, 64, 65, 1000, 10000]);
        return random.Next(2) == 0
            ? new string('[', depth) + "1" + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
    }

    private static string LongString(Random random)
    {
        var length = Pick(random, [64, 65, 255, 256, 1024, 1025, 20_000, 70_000]);
        var unit = Pick(random, ["x", "\u00e9", "\ud83d\ude00", "\u2028", "\\n", "\\u0041"]);
        return "\"" + string.Concat(Enumerable.Repeat(unit, Math.Max(1, length / unit.Length))) + "\"";
    }

    private static byte[] ControlString(Random random)
    {
        var control = (char)random.Next(0x20);
        // Raw, which JSON forbids, or escaped, which JSON allows and the route's own checks must refuse or accept.
        return random.Next(2) == 0
            ? [(byte)'"', (byte)'u', (byte)control, (byte)'"']
            : Utf8($"\"u\\u{(int)control:x4}\"");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 257)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
