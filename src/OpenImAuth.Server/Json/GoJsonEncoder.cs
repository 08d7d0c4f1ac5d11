using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace OpenImAuth.Server.Json;

/// <summary>
/// Escapes JSON strings exactly as Go's encoding/json does (docs/decisions.md, W1), so that our envelopes are
/// byte-identical to OpenIM's: <c>"</c> <c>\</c> <c>\n</c> <c>\r</c> <c>\t</c> as short escapes; other control
/// characters, <c>&lt;</c> <c>&gt;</c> <c>&amp;</c>, U+2028 and U+2029 as <c>\u00XX</c>-style escapes in lower-case hex;
/// every other character, emoji included, raw. .NET's relaxed encoder leaves <c>&lt;&gt;&amp;</c> raw and escapes
/// characters outside the Basic Multilingual Plane; the default one escapes all non-ASCII. The same rules as
/// <c>OpenImAuth.Core.Tokens.GoJson</c>, which writes the claims we sign as text; this is their System.Text.Json form.
/// One difference: a lone surrogate reaches an encoder already replaced by U+FFFD, so it is written raw where Go
/// writes <c>�</c>.
/// </summary>
internal sealed class GoJsonEncoder : JavaScriptEncoder
{
    public static GoJsonEncoder Instance { get; } = new();

    private GoJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar switch
    {
        < 0x20 or '"' or '\\' or '<' or '>' or '&' or 0x2028 or 0x2029 => true,
        _ => false,
    };

    // Every token and ID passes through here: vectorised searches, not a loop over runes (the base class's way).
    // Surrogates are searched for too, so that a lone one reaches the encoder, which writes U+FFFD for it: the writer
    // copies text this search passes over as it is, and a lone surrogate copied came out as bytes that are not UTF-8,
    // or emptied the whole string.
    private static readonly SearchValues<char> CharsToEncode = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), '"', '\\', '<', '>', '&', '\u2028', '\u2029',
         .. Enumerable.Range(0xD800, 0x800).Select(c => (char)c)]);

    private static readonly SearchValues<byte> BytesToEncode = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\', (byte)'<', (byte)'>', (byte)'&', LineSeparatorLead]);

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
        ReadOnlySpan<char> escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => default,
        };
        var destination = new Span<char>(buffer, bufferLength);
        if (!escape.IsEmpty)
        {
            numberOfCharactersWritten = escape.Length;
            return escape.TryCopyTo(destination);
        }
        if (!WillEncode(unicodeScalar))
        {
            numberOfCharactersWritten = 0;
            return Rune.TryCreate(unicodeScalar, out var rune) && rune.TryEncodeToUtf16(destination, out numberOfCharactersWritten);
        }
        numberOfCharactersWritten = 6;
        return destination.Length >= 6 && $"\\u{unicodeScalar:x4}".AsSpan().TryCopyTo(destination);
    }
}
