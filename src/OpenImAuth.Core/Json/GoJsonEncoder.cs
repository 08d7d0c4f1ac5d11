using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace OpenImAuth.Core.Json;

/// <summary>
/// <see cref="GoJson"/>'s escaping as a System.Text.Json encoder, so that our envelopes and frames are byte-identical
/// to OpenIM's. .NET's relaxed encoder leaves <c>&lt;&gt;&amp;</c> raw and escapes characters outside the Basic
/// Multilingual Plane; the default one escapes all non-ASCII. One difference from <see cref="GoJson.WriteQuoted"/>:
/// a lone surrogate reaches an encoder already replaced by U+FFFD, so it is written raw where Go writes <c>\ufffd</c>.
/// </summary>
public sealed class GoJsonEncoder : JavaScriptEncoder
{
    public static GoJsonEncoder Instance { get; } = new();

    private GoJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => GoJson.MaxEscapeLength;

    public override bool WillEncode(int unicodeScalar) => GoJson.Escapes(unicodeScalar);

    // Every token and ID passes through here: vectorised searches, not a loop over runes (the base class's way).
    // Surrogates are searched for too, so that a lone one reaches the encoder, which writes U+FFFD for it: the writer
    // copies text this search passes over as it is, and a lone surrogate copied came out as bytes that are not UTF-8,
    // or emptied the whole string.
    private static readonly SearchValues<char> CharsToEncode = SearchValues.Create(
        [.. Enumerable.Range(0, char.MaxValue + 1).Where(c => GoJson.Escapes(c) || char.IsSurrogate((char)c)).Select(c => (char)c)]);

    // In UTF-8 every escaped character is ASCII but U+2028 and U+2029, which start with LineSeparatorLead.
    private static readonly SearchValues<byte> BytesToEncode = SearchValues.Create(
        [.. Enumerable.Range(0, 0x80).Where(GoJson.Escapes).Select(b => (byte)b), LineSeparatorLead]);

    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
    private const byte LineSeparatorLead = 0xE2;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var chars = new ReadOnlySpan<char>(text, textLength);
        var offset = 0;
        while (true)
        {
            var found = chars[offset..].IndexOfAny(CharsToEncode);
            if (found < 0)
            {
                return -1;
            }
            var i = offset + found;
            if (!char.IsHighSurrogate(chars[i]) || i + 1 == chars.Length || !char.IsLowSurrogate(chars[i + 1]))
            {
                return i;
            }
            offset = i + 2; // a surrogate pair, an emoji say: written raw
        }
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var offset = 0;
        while (true)
        {
            var found = utf8Text[offset..].IndexOfAny(BytesToEncode);
            if (found < 0)
            {
                return -1;
            }
            var i = offset + found;
            if (utf8Text[i] != LineSeparatorLead || utf8Text[i..] is [_, 0x80, 0xA8 or 0xA9, ..])
            {
                return i;
            }
            offset = i + 1; // another character that starts with E2: written raw
        }
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        if (!WillEncode(unicodeScalar))
        {
            numberOfCharactersWritten = 0;
            return Rune.TryCreate(unicodeScalar, out var rune) && rune.TryEncodeToUtf16(destination, out numberOfCharactersWritten);
        }
        if (destination.Length < GoJson.MaxEscapeLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        numberOfCharactersWritten = GoJson.WriteEscape(destination, unicodeScalar);
        return true;
    }
}
