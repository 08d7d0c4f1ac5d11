using System.Text;
using System.Text.Json;
using OpenImAuth.Core.Json;

namespace OpenImAuth.Server.Tests.Json;

public sealed class GoJsonEncoderTests
{
    // What Go's encoding/json writes for each input (docs/decisions.md, W1).
    [Theory]
    [InlineData("plain-token.eyJ0eXAi_-", "\"plain-token.eyJ0eXAi_-\"")]
    [InlineData("a<b>&c", "\"a\\u003cb\\u003e\\u0026c\"")]
    [InlineData("q\"b\\n\nr\rt\t", "\"q\\\"b\\\\n\\nr\\rt\\t\"")]
    [InlineData("\u0000\u001f", "\"\\u0000\\u001f\"")]
    [InlineData("\u2028\u2029", "\"\\u2028\\u2029\"")]
    [InlineData("é€…😀'+", "\"é€…😀'+\"")] // € is E2 82 AC and … E2 80 A6: the same lead byte as U+2028, written raw
    public void Writes_WhatGoWrites_FromTextAndFromUtf8(string value, string expected)
    {
        Assert.Equal(expected, Write(writer => writer.WriteStringValue(value)));
        Assert.Equal(expected, Write(writer => writer.WriteStringValue(Encoding.UTF8.GetBytes(value))));
    }

    // Text that is not valid UTF-16 is written whole, each lone surrogate as U+FFFD (Go: \ufffd, as the type's comment
    // says), not copied as three bytes that are not UTF-8. Not theory data: xunit would mangle the lone surrogates.
    [Fact]
    public void Writes_LoneSurrogateAsReplacementCharacter_FromText()
    {
        (string Value, string Expected)[] cases =
        [
            ("\ud800", "\"\ufffd\""),
            ("a\udc00b", "\"a\ufffdb\""),
            ("\ud83d\ude00\ud83d<", "\"\ud83d\ude00\ufffd\\u003c\""),
            ("\u0b76\udf00\u2029", "\"\u0b76\ufffd\\u2029\""),
        ];
        foreach (var (value, expected) in cases)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(expected), WriteBytes(writer => writer.WriteStringValue(value)));
        }
    }

    private static string Write(Action<Utf8JsonWriter> write) => Encoding.UTF8.GetString(WriteBytes(write));

    private static byte[] WriteBytes(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = GoJsonEncoder.Instance }))
        {
            write(writer);
        }
        return stream.ToArray();
    }
}
