using System.Globalization;
using System.Text;

namespace OpenImAuth.Tests.Shared;

/// <summary>
/// Go's encoding/json string rules (docs/decisions.md, W1), written out rune by rune from Go's documentation and
/// independent of the server's code, as the expectation for property tests; and a generator of strings made mostly
/// of the characters those rules single out.
/// </summary>
internal static class GoJsonReference
{
    /// <summary>
    /// <paramref name="value"/> quoted as Go writes it. Go sees bytes: text that is not valid UTF-16 reaches it as
    /// invalid UTF-8, which it writes as <c>\ufffd</c>; <paramref name="rawReplacement"/> writes the replacement
    /// character raw instead, as .NET's encoders hand it over already replaced.
    /// </summary>
    public static string Quote(string value, bool rawReplacement = false)
    {
        var quoted = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            int rune = value[i];
            var valid = true;
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                rune = char.ConvertToUtf32(value[i], value[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                (rune, valid) = (0xFFFD, false);
            }
            quoted.Append(rune switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                // Go before 1.22 (W1): \b and \f too are \u escapes, like the other control characters.
                < 0x20 or '<' or '>' or '&' or 0x2028 or 0x2029 => Escape(rune),
                0xFFFD when !valid && !rawReplacement => Escape(rune),
                _ => char.ConvertFromUtf32(rune),
            });
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>Whether the text is valid UTF-16: every surrogate in a pair.</summary>
    public static bool IsValidUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The characters Go never writes raw inside a string.</summary>
    public static bool IsNeverRaw(char c) => c < 0x20 || c is '<' or '>' or '&' or '\u2028' or '\u2029';

    /// <summary>
    /// A string of 0–<paramref name="maxLength"/> UTF-16 units, mostly characters that the rules single out or that
    /// trip encoders: controls, quotes and backslashes, HTML characters, the line and paragraph separators, other
    /// characters that share their UTF-8 lead byte E2, surrogate pairs, lone surrogates (when
    /// <paramref name="loneSurrogates"/>), the replacement character and other non-ASCII text.
    /// </summary>
    public static string RandomString(Random random, bool loneSurrogates, int maxLength = 24)
    {
        var text = new StringBuilder();
        var length = random.Next(maxLength + 1);
        while (text.Length < length)
        {
            switch (random.Next(loneSurrogates ? 11 : 10))
            {
                case 0: text.Append((char)random.Next(0x20)); break;
                case 1: text.Append("\"\\/\b\f\u007f"[random.Next(6)]); break;
                case 2: text.Append("<>&"[random.Next(3)]); break;
                case 3: text.Append(random.Next(2) == 0 ? '\u2028' : '\u2029'); break;
                case 4: text.Append((char)random.Next(0x2000, 0x3000)); break; // E2 xx xx in UTF-8, like U+2028
                case 5: text.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000))); break;
                case 6: text.Append("\u00e9\u20ac\u2026\ufffd\ufeff\u0085\u00a0\u4e2d\uffff"[random.Next(9)]); break;
                case 7: text.Append((char)random.Next(0x80, 0xD800)); break;
                case 8: text.Append((char)random.Next(0xE000, 0x10000)); break;
                case 9: text.Append((char)random.Next(0x20, 0x7F)); break;
                default: text.Append((char)random.Next(0xD800, 0xE000)); break; // a surrogate on its own, usually
            }
        }
        return text.ToString();
    }

    private static string Escape(int rune) => "\\u" + rune.ToString("x4", CultureInfo.InvariantCulture);
}
