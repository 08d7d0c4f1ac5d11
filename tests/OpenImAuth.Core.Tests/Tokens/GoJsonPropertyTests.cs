using System.Text.Json;
using OpenImAuth.Core.Json;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>
/// The strings we sign are written as Go writes them (docs/decisions.md, W1), checked over many random strings made
/// mostly of the characters that the rules single out, against a reference written from Go's rules.
/// </summary>
public sealed class GoJsonPropertyTests
{
    private const int Cases = 5000;

    public static TheoryData<int> Seeds => new(FuzzSeeds.Both);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void WriteQuoted_ParsesBackToTheSameText_ForValidUtf16(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: false), value =>
        {
            var parsed = JsonSerializer.Deserialize<string>(Quote(value));
            return parsed == value ? null : $"parses back as \"{FuzzSeeds.Escaped(parsed ?? "(null)")}\"";
        });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void WriteQuoted_WritesWhatGoWrites(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: true), value =>
        {
            var (written, expected) = (Quote(value), GoJsonReference.Quote(value));
            return written == expected ? null : $"wrote \"{FuzzSeeds.Escaped(written)}\", Go writes \"{FuzzSeeds.Escaped(expected)}\"";
        });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void WriteQuoted_NeverWritesRawWhatGoEscapes(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: true), value =>
        {
            var written = Quote(value);
            return written.Any(GoJsonReference.IsNeverRaw)
                ? $"wrote a raw character Go escapes: \"{FuzzSeeds.Escaped(written)}\""
                : GoJsonReference.IsValidUtf16(written) ? null : $"wrote a lone surrogate: \"{FuzzSeeds.Escaped(written)}\"";
        });

    private static string Quote(string value)
    {
        var buffer = new char[GoJson.MaxQuotedLength(value)];
        return new string(buffer, 0, GoJson.WriteQuoted(buffer, value));
    }
}
