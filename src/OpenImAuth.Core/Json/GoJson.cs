namespace OpenImAuth.Core.Json;

/// <summary>
/// Go's encoding/json rules for JSON strings (docs/decisions.md, W1), the one place they are written: <c>"</c>
/// <c>\</c> <c>\n</c> <c>\r</c> <c>\t</c> as short escapes; other control characters, <c>&lt;</c> <c>&gt;</c>
/// <c>&amp;</c>, U+2028 and U+2029 as <c>\u00XX</c>-style escapes in lower-case hex; every other character, emoji
/// included, raw UTF-8. <see cref="WriteQuoted"/> writes the claims we sign as text, so that a payload is
/// byte-identical to the one open-im-server signs; <see cref="GoJsonEncoder"/> applies the same rules to every
/// System.Text.Json writer of our envelopes and frames.
/// </summary>
public static class GoJson
{
    private const string Hex = "0123456789abcdef";

    /// <summary>The most characters one escape takes: <c>\uXXXX</c>.</summary>
    public const int MaxEscapeLength = 6;

    /// <summary>Whether Go escapes the character (a lone surrogate aside: see <see cref="WriteQuoted"/>).</summary>
    public static bool Escapes(int unicodeScalar) =>
        unicodeScalar is < 0x20 or '"' or '\\' or '<' or '>' or '&' or 0x2028 or 0x2029;

    /// <summary>
    /// Writes the escape of a character <see cref="Escapes"/> is true for (room for <see cref="MaxEscapeLength"/>
    /// characters is the caller's to make); returns the characters written.
    /// </summary>
    public static int WriteEscape(Span<char> destination, int unicodeScalar)
    {
        var shortEscape = unicodeScalar switch
        {
            '"' => '"',
            '\\' => '\\',
            '\n' => 'n',
            '\r' => 'r',
            '\t' => 't',
            _ => '\0',
        };
        destination[0] = '\\';
        if (shortEscape != '\0')
        {
            destination[1] = shortEscape;
            return 2;
        }
        destination[1] = 'u';
        destination[2] = Hex[(unicodeScalar >> 12) & 0xF];
        destination[3] = Hex[(unicodeScalar >> 8) & 0xF];
        destination[4] = Hex[(unicodeScalar >> 4) & 0xF];
        destination[5] = Hex[unicodeScalar & 0xF];
        return MaxEscapeLength;
    }

    /// <summary>The most characters <see cref="WriteQuoted"/> writes for <paramref name="value"/>: quotes and six per escape.</summary>
    public static int MaxQuotedLength(string value) => value.Length * MaxEscapeLength + 2;

    /// <summary>Writes <paramref name="value"/> as a quoted JSON string; returns the characters written.</summary>
    public static int WriteQuoted(Span<char> destination, string value)
    {
        var at = 0;
        destination[at++] = '"';
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (Escapes(c))
            {
                at += WriteEscape(destination[at..], c);
            }
            else if (!char.IsSurrogate(c))
            {
                destination[at++] = c;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                destination[at++] = c;
                destination[at++] = value[++i];
            }
            else
            {
                // Go writes invalid UTF-8 as the replacement character.
                at += WriteEscape(destination[at..], '\ufffd');
            }
        }
        destination[at++] = '"';
        return at;
    }
}
