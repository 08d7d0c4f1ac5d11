using System.Text.Json;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Reads JWT header and claims with Go's decoding rules: keys match case-insensitively, the last duplicate wins,
/// unknown keys are ignored, <c>null</c> means absent, and a value of the wrong JSON type makes the token malformed.
/// </summary>
internal static class JwtJson
{
    /// <summary>The <c>alg</c> header value, or null when absent or not a string; <paramref name="ok"/> is false when the header is not a JSON object.</summary>
    public static string? ReadAlgorithm(byte[] header, out bool ok)
    {
        ok = false;
        string? algorithm = null;
        try
        {
            var reader = new Utf8JsonReader(header);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Go decodes the header into a map, so "alg" matches exactly.
                var isAlg = reader.ValueTextEquals("alg"u8);
                reader.Read();
                if (isAlg)
                {
                    algorithm = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
            ok = reader.TokenType == JsonTokenType.EndObject && !reader.Read();
            return algorithm;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static TokenClaims? ReadClaims(byte[] payload)
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
                var name = reader.GetString()!;
                reader.Read();
                var isNull = reader.TokenType == JsonTokenType.Null;
                if (name.Equals("UserID", StringComparison.OrdinalIgnoreCase))
                {
                    if (!isNull && reader.TokenType != JsonTokenType.String)
                    {
                        return null;
                    }
                    userId = isNull ? "" : reader.GetString()!;
                }
                else if (name.Equals("PlatformID", StringComparison.OrdinalIgnoreCase))
                {
                    if (!isNull && (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out platformId)))
                    {
                        return null;
                    }
                    platformId = isNull ? 0 : platformId;
                }
                else if (name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    if (!TryReadNumericDate(ref reader, out exp)) { return null; }
                }
                else if (name.Equals("nbf", StringComparison.OrdinalIgnoreCase))
                {
                    if (!TryReadNumericDate(ref reader, out nbf)) { return null; }
                }
                else if (name.Equals("iat", StringComparison.OrdinalIgnoreCase))
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
