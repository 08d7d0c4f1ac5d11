using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace OpenImAuth.Core.Tests.TestSupport;

/// <summary>Builds JWTs by hand, so that a test can get exactly one thing wrong and sign the rest correctly.</summary>
internal static class Jwt
{
    public const string Hs256Header = """{"alg":"HS256","typ":"JWT"}""";

    /// <summary>Unpadded base64url of the UTF-8 bytes of <paramref name="json"/>.</summary>
    public static string Segment(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    /// <summary>Standard padded base64url, which Go's RawURLEncoding refuses.</summary>
    public static string PaddedSegment(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_');

    /// <summary><c>header.payload</c> followed by an HMAC-SHA256 signature of it made with <paramref name="secret"/>.</summary>
    public static string Sign(string headerJson, string payloadJson, string secret) =>
        SignSegments(Segment(headerJson), Segment(payloadJson), secret);

    public static string SignSegments(string header, string payload, string secret) =>
        SignSegments(header, payload, input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), input));

    /// <summary><c>header.payload</c> followed by whatever <paramref name="sign"/> makes of its ASCII bytes.</summary>
    public static string SignSegments(string header, string payload, Func<byte[], byte[]> sign)
    {
        var signingInput = header + "." + payload;
        return signingInput + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The decoded bytes of a token's payload segment.</summary>
    public static byte[] PayloadBytes(string token) => Base64Url.DecodeFromChars(token.Split('.')[1]);
}
