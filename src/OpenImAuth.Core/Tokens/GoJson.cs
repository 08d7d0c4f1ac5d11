using System.Text;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Writes JSON strings the way Go's encoding/json does, so that a payload we sign is byte-identical to the one
/// open-im-server signs: &lt; &gt; &amp; U+2028 U+2029 are \u-escaped, other non-ASCII text stays raw UTF-8.
/// </summary>
internal static class GoJson
{
    private const string Hex = "0123456789abcdef";

    public static void AppendQuoted(StringBuilder builder, string value)
    {
        builder.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    AppendUnicodeEscape(builder, c);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        builder.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        // Go writes invalid UTF-8 as the replacement character.
                        builder.Append("\\ufffd");
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }

    private static void AppendUnicodeEscape(StringBuilder builder, char c) =>
        builder.Append("\\u")
            .Append(Hex[(c >> 12) & 0xF]).Append(Hex[(c >> 8) & 0xF])
            .Append(Hex[(c >> 4) & 0xF]).Append(Hex[c & 0xF]);
}
