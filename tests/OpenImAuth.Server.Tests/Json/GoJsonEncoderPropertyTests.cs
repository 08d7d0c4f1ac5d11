using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Http;
using OpenImAuth.Core.Json;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Json;

/// <summary>
/// Envelopes and gateway frames escape strings as Go does (docs/decisions.md, W1), checked over many random strings
/// made mostly of the characters that the rules single out, against a reference written from Go's rules. Text that
/// is not valid UTF-16 reaches the encoder with U+FFFD in place of each lone surrogate, which it writes raw.
/// </summary>
public sealed class GoJsonEncoderPropertyTests
{
    private const int Cases = 3000;

    public static TheoryData<int> Seeds => new(FuzzSeeds.Both);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Encoder_ParsesBackToTheSameText_ForValidUtf16(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: false), value =>
            Each(value, written => JsonSerializer.Deserialize<string>(written) is var parsed && parsed == value
                ? null
                : $"parses back as \"{FuzzSeeds.Escaped(parsed ?? "(null)")}\""));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Encoder_WritesWhatGoWrites(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: true), value =>
        {
            var expected = GoJsonReference.Quote(value, rawReplacement: true);
            return Each(value, written => written == expected ? null : $"Go writes \"{FuzzSeeds.Escaped(expected)}\"");
        });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Encoder_NeverWritesRawWhatGoEscapes(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: true), value =>
            Each(value, written => written.Any(GoJsonReference.IsNeverRaw) ? "a raw character Go escapes" : null));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Envelope_IsWhatGoWrites_ForAnyErrorDetail(int seed) =>
        FuzzSeeds.ForAll(seed, Cases, random => GoJsonReference.RandomString(random, loneSurrogates: true), detail =>
        {
            var error = OpenImError.Args(detail);
            var bytes = Envelope.ToBytes(error);
            if (!Utf8.IsValid(bytes))
            {
                return $"wrote bytes that are not UTF-8: {Convert.ToHexString(bytes)}";
            }
            var written = Encoding.UTF8.GetString(bytes);
            var expected = $$"""{"errCode":1001,"errMsg":"ArgsError","errDlt":{{GoJsonReference.Quote(error.WireDetail, rawReplacement: true)}}}""";
            return written == expected ? null : $"wrote {FuzzSeeds.Escaped(written)}, Go writes {FuzzSeeds.Escaped(expected)}";
        });

    /// <summary>
    /// The value written each way the server writes strings (from text, from UTF-8, as a property name); what
    /// <paramref name="problem"/> finds in the first that has one.
    /// </summary>
    private static string? Each(string value, Func<string, string?> problem)
    {
        var ways = new (string How, Action<Utf8JsonWriter> Write)[]
        {
            ("from text", writer => writer.WriteStringValue(value)),
            ("from UTF-8", writer => writer.WriteStringValue(Encoding.UTF8.GetBytes(value))),
            ("as a property name", writer => { writer.WriteStartObject(); writer.WritePropertyName(value); writer.WriteNullValue(); writer.WriteEndObject(); }),
        };
        foreach (var (how, write) in ways)
        {
            var bytes = Write(write);
            if (!Utf8.IsValid(bytes))
            {
                return $"written {how} as bytes that are not UTF-8: {Convert.ToHexString(bytes)}";
            }
            var written = Encoding.UTF8.GetString(bytes);
            if (how == "as a property name")
            {
                written = written[1..^6]; // {"…":null}
            }
            if (problem(written) is { } wrong)
            {
                return $"written {how} as \"{FuzzSeeds.Escaped(written)}\": {wrong}";
            }
        }
        return null;
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = GoJsonEncoder.Instance }))
        {
            write(writer);
        }
        return stream.ToArray();
    }
}
