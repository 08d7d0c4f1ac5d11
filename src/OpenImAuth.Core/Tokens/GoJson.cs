namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Writes JSON strings the way Go's encoding/json does, so that a payload we sign is byte-identical to the one
/// open-im-server signs: &lt; &gt; &amp; U+2028 U+2029 are \u-escaped, other non-ASCII text stays raw UTF-8.
/// </summary>
internal static class GoJson
{
    private const string Hex = "0123456789abcdef";

    /// <summary>The most characters <see cref="WriteQuoted"/> writes for <paramref name="value"/>: quotes and six per escape.</summary>
    public static int MaxQuotedLength(string value) => value.Length * 6 + 2;

    /// <summary>Writes <paramref name="value"/> as a quoted JSON string; returns the characters written.</summary>
    public static int WriteQuoted(Span<char> destination, string value)
    {
        var at = 0;
        destination[at++] = '"';
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': at = Write(destination, at, '\\', '"'); break;
                case '\\': at = Write(destination, at, '\\', '\\'); break;
                case '\n': at = Write(destination, at, '\\', 'n'); break;
                case '\r': at = Write(destination, at, '\\', 'r'); break;
                case '\t': at = Write(destination, at, '\\', 't'); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    at = WriteUnicodeEscape(destination, at, c);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        at = Write(destination, at, c, value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Go writes invalid UTF-8 as the replacement character.
                        at = WriteUnicodeEscape(destination, at, '\ufffd');
                    }
                    else
                    {
                        destination[at++] = c;
                    }
                    break;
            }
        }
        destination[at++] = '"';
        return at;
    }

    private static int Write(Span<char> destination, int at, char first, char second)
    {
        destination[at] = first;
        destination[at + 1] = second;
        return at + 2;
    }

    private static int WriteUnicodeEscape(Span<char> destination, int at, char c)
    {
        at = Write(destination, at, '\\', 'u');
        at = Write(destination, at, Hex[(c >> 12) & 0xF], Hex[(c >> 8) & 0xF]);
        return Write(destination, at, Hex[(c >> 4) & 0xF], Hex[c & 0xF]);
    }
}
