using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OpenImAuth.Core.Json;

namespace OpenImAuth.Core.Tokens;

// Writing a token's text: OpenIM's exact bytes, signed here or carrying a signature already made.
public sealed partial class TokenCodec
{
    /// <summary>
    /// The text of the token in OpenIM's layout <paramref name="format"/> (whose <c>nbf</c> follows from
    /// <paramref name="issued"/>) that carries <paramref name="signature"/>: a compact token written out again.
    /// </summary>
    internal static string WriteSigned(string userId, int platformId, long issued, long expires, TokenFormat format,
        ReadOnlySpan<byte> signature) =>
        Write(new PayloadFields(userId, platformId, issued, expires, format, TokenId: null), null, signature, expected: null)!;

    /// <summary>Whether <paramref name="token"/> is exactly the text <see cref="WriteSigned"/> gives for these values.</summary>
    internal static bool IsWrittenAs(string token, string userId, int platformId, long issued, long expires, TokenFormat format,
        ReadOnlySpan<byte> signature) =>
        Write(new PayloadFields(userId, platformId, issued, expires, format, TokenId: null), null, signature, token) is not null;

    /// <summary>
    /// Writes a token: with a <paramref name="signingKey"/> it signs, else it writes <paramref name="signature"/>. Returns
    /// the text, or with <paramref name="expected"/> compares instead of allocating one: <paramref name="expected"/>
    /// itself when it is exactly that text, else null.
    /// </summary>
    private static string? Write(in PayloadFields fields, byte[]? signingKey, ReadOnlySpan<byte> signature, string? expected)
    {
        // Built in one buffer, on the stack for every user ID of the allowed length: the payload's characters, then
        // its UTF-8 bytes, then the token's ASCII, the only part that becomes a string. Every login signs once, and on
        // Redis writes out and checks the user's remembered tokens.
        var maxChars = GoJson.MaxQuotedLength(fields.UserId) + MaxPayloadFieldsLength + (fields.TokenId?.Length ?? 0);
        // In UTF-8 the payload takes no more bytes than that: an escape is six ASCII bytes for one character of
        // the user ID, a raw character at most three, a surrogate pair four for two, and the other fields are ASCII.
        var maxPayloadBytes = maxChars;
        var maxToken = Header.Length + 1 + Base64Url.GetEncodedLength(maxPayloadBytes) + 1 + Base64Url.GetEncodedLength(SignatureBytes);
        var needed = maxChars * sizeof(char) + maxPayloadBytes + maxToken;
        byte[]? rented = null;
        var buffer = needed <= 2560 ? stackalloc byte[needed] : (rented = ArrayPool<byte>.Shared.Rent(needed));
        try
        {
            var chars = MemoryMarshal.Cast<byte, char>(buffer[..(maxChars * sizeof(char))]);
            var payload = buffer.Slice(maxChars * sizeof(char), maxPayloadBytes);
            var token = buffer.Slice(maxChars * sizeof(char) + maxPayloadBytes, maxToken);

            var payloadLength = Encoding.UTF8.GetBytes(chars[..WritePayload(chars, fields)], payload);
            var length = Encoding.ASCII.GetBytes(Header, token);
            token[length++] = (byte)'.';
            length += Base64Url.EncodeToUtf8(payload[..payloadLength], token[length..]);
            Span<byte> computed = stackalloc byte[SignatureBytes];
            if (signingKey is not null)
            {
                ComputeSignature(signingKey, token[..length], computed);
            }
            token[length++] = (byte)'.';
            length += Base64Url.EncodeToUtf8(signingKey is null ? signature : computed, token[length..]);
            return expected is null ? Encoding.ASCII.GetString(token[..length])
                : Ascii.Equals(token[..length], expected) ? expected : null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true); // it held a bearer token
            }
        }
    }

    /// <summary>
    /// The most characters the payload's fields other than the user ID and token ID take: names, 20-digit numbers,
    /// and the token ID's name and quotes.
    /// </summary>
    private const int MaxPayloadFieldsLength = 176;

    /// <summary>What a token's claims are written from. The token ID, when there is one, is base64url: no escapes.</summary>
    private readonly record struct PayloadFields(string UserId, int PlatformId, long Issued, long Expires, TokenFormat Format, string? TokenId);

    /// <summary>
    /// The claims exactly as open-im-server's Go marshals them, in its field order: UserID, PlatformID, exp, then nbf
    /// (v3 format only), then iat, then jti when set. Returns the characters written.
    /// </summary>
    private static int WritePayload(Span<char> destination, in PayloadFields fields)
    {
        var at = Append(destination, 0, "{\"UserID\":");
        at += GoJson.WriteQuoted(destination[at..], fields.UserId);
        at = Append(destination, at, ",\"PlatformID\":");
        at = Append(destination, at, fields.PlatformId);
        at = Append(destination, at, ",\"exp\":");
        at = Append(destination, at, fields.Expires);
        if (fields.Format == TokenFormat.WithNotBefore)
        {
            at = Append(destination, at, ",\"nbf\":");
            at = Append(destination, at, fields.Issued - 300);
        }
        at = Append(destination, at, ",\"iat\":");
        at = Append(destination, at, fields.Issued);
        if (fields.TokenId is { } tokenId)
        {
            at = Append(destination, at, ",\"jti\":\"");
            at = Append(destination, at, tokenId);
            destination[at++] = '"';
        }
        destination[at++] = '}';
        return at;
    }

    private static int Append(Span<char> destination, int at, string text)
    {
        text.CopyTo(destination[at..]);
        return at + text.Length;
    }

    private static int Append(Span<char> destination, int at, long value)
    {
        // Invariant: Go writes plain digits with an ASCII minus sign.
        value.TryFormat(destination[at..], out var written, default, CultureInfo.InvariantCulture);
        return at + written;
    }
}
