using System.Text;
using System.Text.Json;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Reads JWT header and claims with Go's decoding rules: keys match case-insensitively, the last duplicate wins,
/// unknown keys are ignored, <c>null</c> means absent, and a value of the wrong JSON type makes the token malformed.
/// </summary>
internal static class JwtJson
{
    /// <summary>
    /// Whether the header's <c>alg</c> is the string <c>HS256</c> (the last one, if repeated); <paramref name="ok"/>
    /// is false when the header is not a JSON object.
    /// </summary>
    public static bool ReadIsHs256(ReadOnlySpan<byte> header, out bool ok)
    {
        ok = false;
        var isHs256 = false;
        try
        {
            var reader = new Utf8JsonReader(header);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Go decodes the header into a map, so "alg" matches exactly.
                var isAlg = reader.ValueTextEquals("alg"u8);
                reader.Read();
                if (isAlg)
                {
                    isHs256 = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("HS256"u8);
                }
                reader.Skip();
            }
            ok = reader.TokenType == JsonTokenType.EndObject && !reader.Read();
            return isHs256;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static TokenClaims? ReadClaims(ReadOnlySpan<byte> payload)
    {
        string userId = "";
        var platformId = 0;
        long? exp = null, nbf = null, iat = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read())
            {
                return null;
            }
            if (reader.TokenType == JsonTokenType.Null)
            {
                return reader.Read() ? null : new TokenClaims(userId, platformId, null, null, null);
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var claim = ClaimOf(ref reader);
                reader.Read();
                var isNull = reader.TokenType == JsonTokenType.Null;
                if (claim == Claim.UserId)
                {
                    if (!isNull && reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }
                    userId = isNull ? "" : reader.GetString()!;
                }
                else if (claim == Claim.PlatformId)
                {
                    if (!isNull && (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out platformId)))
                    {
                        return null;
                    }
                    platformId = isNull ? 0 : platformId;
                }
                else if (claim == Claim.Exp)
                {
                    if (!TryReadNumericDate(ref reader, out exp)) { return null; }
                }
                else if (claim == Claim.Nbf)
                {
                    if (!TryReadNumericDate(ref reader, out nbf)) { return null; }
                }
                else if (claim == Claim.Iat)
                {
                    if (!TryReadNumericDate(ref reader, out iat)) { return null; }
                }
                reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null;
            }
            return new TokenClaims(userId, platformId, exp, nbf, iat);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // A UserID that is no valid text (a lone surrogate escape, invalid UTF-8). Neither OpenIM nor we sign one:
            // both write such characters as U+FFFD. Refused as malformed rather than failing the request.
            return null;
        }
    }

    private enum Claim
    {
        Other,
        UserId,
        PlatformId,
        Exp,
        Nbf,
        Iat,
    }

    /// <summary>Which claim the property name at the reader is, compared ignoring case as Go matches struct fields.</summary>
    private static Claim ClaimOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && Ascii.IsValid(reader.ValueSpan))
        {
            // The usual name: plain ASCII, compared in place. For ASCII this is what OrdinalIgnoreCase does below.
            var name = reader.ValueSpan;
            return Ascii.EqualsIgnoreCase(name, "UserID"u8) ? Claim.UserId
                : Ascii.EqualsIgnoreCase(name, "PlatformID"u8) ? Claim.PlatformId
                : Ascii.EqualsIgnoreCase(name, "exp"u8) ? Claim.Exp
                : Ascii.EqualsIgnoreCase(name, "nbf"u8) ? Claim.Nbf
                : Ascii.EqualsIgnoreCase(name, "iat"u8) ? Claim.Iat
                : Claim.Other;
        }
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape or invalid UTF-8: Go decodes it as U+FFFD, and no claim's name holds that.
            return Claim.Other;
        }
        return text.Equals("UserID", StringComparison.OrdinalIgnoreCase) ? Claim.UserId
            : text.Equals("PlatformID", StringComparison.OrdinalIgnoreCase) ? Claim.PlatformId
            : text.Equals("exp", StringComparison.OrdinalIgnoreCase) ? Claim.Exp
            : text.Equals("nbf", StringComparison.OrdinalIgnoreCase) ? Claim.Nbf
            : text.Equals("iat", StringComparison.OrdinalIgnoreCase) ? Claim.Iat
            : Claim.Other;
    }

    /// <summary>jwt-go's NumericDate: any JSON number, fractions truncated to whole seconds.</summary>
    private static bool TryReadNumericDate(ref Utf8JsonReader reader, out long? seconds)
    {
        seconds = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value) || !double.IsFinite(value)
            || Math.Abs(value) > 1e15)
        {
            return false;
        }
        seconds = (long)Math.Truncate(value);
        return true;
    }
}
