using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tests.TestSupport;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>Each failure class and the code it maps to. Crafted tokens are signed correctly except for the one fault.</summary>
public sealed partial class TokenCodecTests
{
    private const string Secret = "openIM123";

    /// <summary>Vector 3's payload: valid from 1699999700 to 1707776000.</summary>
    private const string ValidPayload =
        """{"UserID":"111111","PlatformID":1,"exp":1707776000,"nbf":1699999700,"iat":1700000000}""";

    private static readonly DateTimeOffset InsideWindow = DateTimeOffset.FromUnixTimeSeconds(1700000001);

    [Theory]
    [InlineData("empty")]
    [InlineData("two segments")]
    [InlineData("four segments")]
    [InlineData("header not base64url")]
    [InlineData("payload not base64url")]
    [InlineData("payload standard base64")]
    [InlineData("payload padded")]
    [InlineData("payload with space")]
    [InlineData("header with tab")]
    [InlineData("header padded")]
    [InlineData("header not JSON")]
    [InlineData("header not an object")]
    [InlineData("payload not JSON")]
    [InlineData("payload truncated JSON")]
    [InlineData("payload not an object")]
    [InlineData("PlatformID as string")]
    [InlineData("PlatformID fractional")]
    [InlineData("UserID as number")]
    [InlineData("exp as bool")]
    [InlineData("longer than the limit")]
    [InlineData("UserID with a lone surrogate")]
    [InlineData("UserID with invalid UTF-8")]
    public void Verify_ReturnsMalformed_WhenTokenIsMalformed(string fault)
    {
        // Arrange
        var token = MalformedToken(fault);

        // Act
        var result = new TokenCodec(Secret).Verify(token, InsideWindow);

        // Assert
        Assert.Equal(ErrorCodes.TokenMalformedError, result.ErrorCode);
        Assert.Null(result.Claims);
    }

    [Theory]
    [InlineData("alg none without signature")]
    [InlineData("alg none with HS256 signature")]
    [InlineData("alg HS384")]
    [InlineData("alg HS512")]
    [InlineData("alg RS256")]
    [InlineData("alg lowercase hs256")]
    [InlineData("alg missing")]
    [InlineData("signed with another secret")]
    [InlineData("payload changed after signing")]
    [InlineData("signature truncated")]
    [InlineData("signature not base64url")]
    [InlineData("signature empty")]
    [InlineData("signature with space")]
    public void Verify_ReturnsTokenUnknown_WhenSignatureOrAlgorithmIsWrong(string fault)
    {
        // Arrange
        var token = ForgedToken(fault);

        // Act
        var result = new TokenCodec(Secret).Verify(token, InsideWindow);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, result.ErrorCode);
        Assert.Null(result.Claims);
    }

    [Fact]
    public void Verify_AcceptsCraftedToken_WhenNothingIsWrong()
    {
        // Arrange: the control for the two theories above
        var token = Jwt.Sign(Jwt.Hs256Header, ValidPayload, Secret);

        // Act
        var result = new TokenCodec(Secret).Verify(token, InsideWindow);

        // Assert
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(new TokenClaims("111111", 1, 1707776000, 1699999700, 1700000000), result.Claims);
    }

    [Fact]
    public void Verify_ReturnsTokenUnknown_WhenExpiredAndForged()
    {
        // Arrange: signature is checked before the claims, so the forgery wins over the expiry
        var forged = new TokenCodec("tuoyun").Sign("111111", 1, DateTimeOffset.FromUnixTimeSeconds(1700000000),
            TimeSpan.FromDays(90), TokenFormat.WithNotBefore);
        var afterExpiry = DateTimeOffset.FromUnixTimeSeconds(1707776000).AddDays(1);

        // Act
        var result = new TokenCodec(Secret).Verify(forged, afterExpiry);
        var genuine = new TokenCodec("tuoyun").Verify(forged, afterExpiry);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, result.ErrorCode);
        Assert.Equal(ErrorCodes.TokenExpiredError, genuine.ErrorCode);
    }

    [Fact]
    public void Verify_IgnoresAClaimNameThatIsNoValidText_AsGoDoes()
    {
        // Arrange: Go decodes the name to U+FFFD, which matches no claim, and skips it
        var token = Jwt.Sign(Jwt.Hs256Header, ValidPayload.Replace("{", """{"\ud800":1,""", StringComparison.Ordinal), Secret);

        // Act
        var result = new TokenCodec(Secret).Verify(token, InsideWindow);

        // Assert
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal("111111", result.Claims?.UserId);
    }

    private static string MalformedToken(string fault)
    {
        var valid = Jwt.Sign(Jwt.Hs256Header, ValidPayload, Secret);
        var header = Jwt.Segment(Jwt.Hs256Header);
        var payload = Jwt.Segment(ValidPayload);
        return fault switch
        {
            "empty" => "",
            "two segments" => valid[..valid.LastIndexOf('.')],
            "four segments" => valid + "." + valid.Split('.')[2],
            "header not base64url" => Jwt.SignSegments("eyJ*bGciOiJIUzI1NiJ9", payload, Secret),
            "payload not base64url" => Jwt.SignSegments(header, payload[..10] + "!" + payload[11..], Secret),
            "payload standard base64" => Jwt.SignSegments(header, Jwt.Segment("""{"UserID":"~~~"}""").Replace('-', '+'), Secret),
            "payload padded" => Jwt.SignSegments(header, Jwt.PaddedSegment(ValidPayload), Secret),
            "payload with space" => Jwt.SignSegments(header, payload[..8] + " " + payload[8..], Secret),
            "header with tab" => Jwt.SignSegments(header[..4] + "\t" + header[4..], payload, Secret),
            "header padded" => Jwt.SignSegments(Jwt.PaddedSegment("""{"alg":"HS256","typ":"JWT" }"""), payload, Secret),
            "header not JSON" => Jwt.Sign("alg=HS256", ValidPayload, Secret),
            "header not an object" => Jwt.Sign("""["HS256"]""", ValidPayload, Secret),
            "payload not JSON" => Jwt.Sign(Jwt.Hs256Header, "UserID=111111", Secret),
            "payload truncated JSON" => Jwt.Sign(Jwt.Hs256Header, ValidPayload[..^1], Secret),
            "payload not an object" => Jwt.Sign(Jwt.Hs256Header, "[1,2]", Secret),
            "PlatformID as string" => Jwt.Sign(Jwt.Hs256Header, ValidPayload.Replace("\"PlatformID\":1", "\"PlatformID\":\"1\"", StringComparison.Ordinal), Secret),
            "PlatformID fractional" => Jwt.Sign(Jwt.Hs256Header, ValidPayload.Replace("\"PlatformID\":1", "\"PlatformID\":1.5", StringComparison.Ordinal), Secret),
            "UserID as number" => Jwt.Sign(Jwt.Hs256Header, ValidPayload.Replace("\"111111\"", "111111", StringComparison.Ordinal), Secret),
            "exp as bool" => Jwt.Sign(Jwt.Hs256Header, ValidPayload.Replace("1707776000", "true", StringComparison.Ordinal), Secret),
            "UserID with a lone surrogate" => Jwt.Sign(Jwt.Hs256Header, ValidPayload.Replace("111111", "\\ud800", StringComparison.Ordinal), Secret),
            "UserID with invalid UTF-8" => Jwt.SignSegments(header, Base64Url.EncodeToString([.. "{\"UserID\":\""u8, 0xFF, .. "\"}"u8]), Secret),
            "longer than the limit" => Jwt.Sign(Jwt.Hs256Header,
                ValidPayload.Replace("111111", new string('u', TokenCodec.MaxTokenLength), StringComparison.Ordinal), Secret),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
        };
    }

    private static string ForgedToken(string fault)
    {
        var key = Encoding.UTF8.GetBytes(Secret);
        var payload = Jwt.Segment(ValidPayload);
        var valid = Jwt.Sign(Jwt.Hs256Header, ValidPayload, Secret);
        return fault switch
        {
            "alg none without signature" => Jwt.Segment("""{"alg":"none","typ":"JWT"}""") + "." + payload + ".",
            "alg none with HS256 signature" => Jwt.Sign("""{"alg":"none","typ":"JWT"}""", ValidPayload, Secret),
            "alg HS384" => Jwt.SignSegments(Jwt.Segment("""{"alg":"HS384","typ":"JWT"}"""), payload, input => HMACSHA384.HashData(key, input)),
            "alg HS512" => Jwt.SignSegments(Jwt.Segment("""{"alg":"HS512","typ":"JWT"}"""), payload, input => HMACSHA512.HashData(key, input)),
            "alg RS256" => SignRs256(payload),
            "alg lowercase hs256" => Jwt.Sign("""{"alg":"hs256","typ":"JWT"}""", ValidPayload, Secret),
            "alg missing" => Jwt.Sign("""{"typ":"JWT"}""", ValidPayload, Secret),
            "signed with another secret" => Jwt.Sign(Jwt.Hs256Header, ValidPayload, "openIM1234"),
            "payload changed after signing" => Jwt.Segment(Jwt.Hs256Header) + "."
                + Jwt.Segment(ValidPayload.Replace("111111", "111112", StringComparison.Ordinal)) + valid[valid.LastIndexOf('.')..],
            "signature truncated" => valid[..^1],
            "signature not base64url" => valid[..^2] + "!!",
            "signature with space" => valid[..^4] + " " + valid[^4..],
            "signature empty" => valid[..(valid.LastIndexOf('.') + 1)],
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
        };
    }

    private static string SignRs256(string payload)
    {
        using var rsa = RSA.Create(2048);
        return Jwt.SignSegments(Jwt.Segment("""{"alg":"RS256","typ":"JWT"}"""), payload,
            input => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
