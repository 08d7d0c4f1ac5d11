using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tests.TestSupport;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>Signing reproduces open-im-server's bytes (docs/decisions.md, W4); verification maps every failure to its code (W5).</summary>
public sealed partial class TokenCodecTests
{
    private const string SeedSigningInput = TokenCodec.Header + "."
        + "eyJVc2VySUQiOiJvcGVuSU1BZG1pbiIsIlBsYXRmb3JtSUQiOjEsImV4cCI6MTY5Njc1NDgwNSwibmJmIjoxNjg4OTc4NTA1LCJpYXQiOjE2ODg5Nzg4MDV9";

    /// <summary>Vector 1: the sample token of the seed and of the official docs, signed with <c>tuoyun</c>.</summary>
    private const string SeedToken = SeedSigningInput + ".SAu86X3PzfYjtjBeYA4vZefNr1IiFKRgg12FeiXSm14";

    private const long SeedIssuedAt = 1688978805;
    private const long SeedNotBefore = 1688978505;
    private const long SeedExpiresAt = 1696754805;

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    [Theory]
    [InlineData("tuoyun", "openIMAdmin", 1, 1688978805L, TokenFormat.WithNotBefore,
        """{"UserID":"openIMAdmin","PlatformID":1,"exp":1696754805,"nbf":1688978505,"iat":1688978805}""",
        SeedToken)]
    [InlineData("openIM123", "openIMAdmin", 1, 1688978805L, TokenFormat.WithNotBefore,
        """{"UserID":"openIMAdmin","PlatformID":1,"exp":1696754805,"nbf":1688978505,"iat":1688978805}""",
        SeedSigningInput + ".8p2oZgSnwWNMu_i1QpuAkfDBDCPSW2Q8cqSbOUWdTYE")]
    [InlineData("openIM123", "111111", 1, 1700000000L, TokenFormat.WithNotBefore,
        """{"UserID":"111111","PlatformID":1,"exp":1707776000,"nbf":1699999700,"iat":1700000000}""",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJVc2VySUQiOiIxMTExMTEiLCJQbGF0Zm9ybUlEIjoxLCJleHAiOjE3MDc3NzYwMDAsIm5iZiI6MTY5OTk5OTcwMCwiaWF0IjoxNzAwMDAwMDAwfQ.dSg_IfafOcVQjru6wSI1tTNQSaiib832jnTowrk2MXc")]
    [InlineData("openIM123", "imAdmin", 10, 1700000000L, TokenFormat.Backdated,
        """{"UserID":"imAdmin","PlatformID":10,"exp":1707776000,"iat":1699999995}""",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJVc2VySUQiOiJpbUFkbWluIiwiUGxhdGZvcm1JRCI6MTAsImV4cCI6MTcwNzc3NjAwMCwiaWF0IjoxNjk5OTk5OTk1fQ._LZILZTQ1Hq-WG7tu8i53_obWccSrCKpAGsE9BpC1bY")]
    public void Sign_ReproducesSpecVector_ForSameInputs(
        string secret, string userId, int platformId, long now, TokenFormat format, string expectedPayload, string expectedToken)
    {
        // Arrange
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(now));
        var codec = new TokenCodec(secret);

        // Act
        var token = codec.Sign(userId, platformId, time.GetUtcNow(), Lifetime, format);

        // Assert
        Assert.Equal(Encoding.UTF8.GetBytes(expectedPayload), Jwt.PayloadBytes(token));
        Assert.Equal(expectedToken, token);
    }

    [Fact]
    public void Sign_TruncatesNowToWholeSeconds_WhenNowHasFraction()
    {
        // Arrange
        var codec = new TokenCodec("tuoyun");
        var now = DateTimeOffset.FromUnixTimeMilliseconds(SeedIssuedAt * 1000 + 999);

        // Act
        var token = codec.Sign("openIMAdmin", 1, now, Lifetime, TokenFormat.WithNotBefore);

        // Assert
        Assert.Equal(SeedToken, token);
    }

    [Theory]
    [InlineData(TokenFormat.WithNotBefore, SeedIssuedAt)]
    [InlineData(TokenFormat.Backdated, SeedIssuedAt - 5)]
    public void SignWithTimes_ReturnsTheIatAndExpTheTokenCarries(TokenFormat format, long expectedIssuedAt)
    {
        // Arrange: a clock between two seconds
        var codec = new TokenCodec("tuoyun");
        var now = DateTimeOffset.FromUnixTimeMilliseconds(SeedIssuedAt * 1000 + 999);

        // Act
        var signed = codec.SignWithTimes("openIMAdmin", 1, now, Lifetime, format);

        // Assert: the same token as Sign, and the times a verifier reads from it
        var claims = codec.Verify(signed.Token, now).Claims!;
        Assert.Equal(codec.Sign("openIMAdmin", 1, now, Lifetime, format), signed.Token);
        Assert.Equal((claims.IssuedAt, claims.ExpiresAt), (signed.IssuedAt, signed.ExpiresAt));
        Assert.Equal((expectedIssuedAt, SeedExpiresAt), (signed.IssuedAt, signed.ExpiresAt));
    }

    [Fact]
    public void Verify_ReturnsSeedClaims_WhenSeedTokenCheckedWithTuoyunInsideItsWindow()
    {
        // Arrange
        var codec = new TokenCodec("tuoyun");
        var now = DateTimeOffset.FromUnixTimeSeconds(SeedIssuedAt).AddDays(1);

        // Act
        var result = codec.Verify(SeedToken, now);

        // Assert
        Assert.True(result.IsValid);
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(new TokenClaims("openIMAdmin", 1, SeedExpiresAt, SeedNotBefore, SeedIssuedAt), result.Claims);
    }

    [Fact]
    public void Verify_ReturnsTokenUnknown_WhenSeedTokenCheckedWithOpenIM123()
    {
        // Arrange
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(SeedIssuedAt).AddDays(1);

        // Act
        var result = codec.Verify(SeedToken, now);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, result.ErrorCode);
        Assert.Null(result.Claims);
    }

    [Fact]
    public void Verify_ReturnsExpired_ExactlyAtExp()
    {
        // Arrange
        var codec = new TokenCodec("tuoyun");

        // Act
        var atExpiry = codec.Verify(SeedToken, DateTimeOffset.FromUnixTimeSeconds(SeedExpiresAt));
        var oneMillisecondBefore = codec.Verify(SeedToken, DateTimeOffset.FromUnixTimeMilliseconds(SeedExpiresAt * 1000 - 1));

        // Assert
        Assert.Equal(ErrorCodes.TokenExpiredError, atExpiry.ErrorCode);
        Assert.Equal(0, oneMillisecondBefore.ErrorCode);
        Assert.Equal("openIMAdmin", oneMillisecondBefore.Claims?.UserId);
    }

    [Fact]
    public void Verify_ReturnsNotValidYet_OneMillisecondBeforeNbf()
    {
        // Arrange
        var codec = new TokenCodec("tuoyun");

        // Act
        var beforeNbf = codec.Verify(SeedToken, DateTimeOffset.FromUnixTimeMilliseconds(SeedNotBefore * 1000 - 1));
        var betweenNbfAndIat = codec.Verify(SeedToken, DateTimeOffset.FromUnixTimeSeconds(SeedNotBefore));
        var atIat = codec.Verify(SeedToken, DateTimeOffset.FromUnixTimeSeconds(SeedIssuedAt));

        // Assert: jwt v4 checks iat too, so format A's backdated nbf does not make the token valid before iat
        Assert.Equal(ErrorCodes.TokenNotValidYetError, beforeNbf.ErrorCode);
        Assert.Equal(ErrorCodes.TokenUnknownError, betweenNbfAndIat.ErrorCode);
        Assert.Equal(0, atIat.ErrorCode);
    }

    [Fact]
    public void Verify_ReturnsNotValidYet_WhenNbfAndIatAreBothInTheFuture()
    {
        // Arrange: format A signed 400 s ahead has nbf = now + 100 and iat = now + 400
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        var token = codec.Sign("u1", 1, now.AddSeconds(400), Lifetime, TokenFormat.WithNotBefore);

        // Act
        var result = codec.Verify(token, now);

        // Assert
        Assert.Equal(ErrorCodes.TokenNotValidYetError, result.ErrorCode);
    }

    [Fact]
    public void Verify_ReturnsTokenUnknown_WhenIatInTheFutureWithoutNbf()
    {
        // Arrange: format B has iat = signing time - 5 and no nbf
        var codec = new TokenCodec("openIM123");
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        var token = codec.Sign("u1", 1, issuedAt.AddSeconds(5), Lifetime, TokenFormat.Backdated);

        // Act
        var beforeIat = codec.Verify(token, issuedAt.AddMilliseconds(-1));
        var atIat = codec.Verify(token, issuedAt);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, beforeIat.ErrorCode);
        Assert.Equal(0, atIat.ErrorCode);
        Assert.Null(atIat.Claims?.NotBefore);
    }

    [Theory]
    [InlineData("a<b>&é", "\"a\\u003cb\\u003e\\u0026é\"")]
    [InlineData("line\u2028para\u2029", "\"line\\u2028para\\u2029\"")]
    [InlineData("q\"b\\s\n\r\t", "\"q\\\"b\\\\s\\n\\r\\t\"")]
    [InlineData("bell\u0001\u001f", "\"bell\\u0001\\u001f\"")]
    [InlineData("日本😀", "\"日本😀\"")]
    public void Sign_EscapesUserIdLikeGo(string userId, string expectedJsonString)
    {
        // Arrange
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        var expected = Encoding.UTF8.GetBytes(
            "{\"UserID\":" + expectedJsonString + ",\"PlatformID\":5,\"exp\":1707776000,\"iat\":1699999995}");

        // Act
        var token = codec.Sign(userId, 5, now, Lifetime, TokenFormat.Backdated);

        // Assert
        Assert.Equal(expected, Jwt.PayloadBytes(token));
        Assert.Equal(userId, codec.Verify(token, now).Claims?.UserId);
    }

    [Theory]
    [InlineData(64)] // the longest user ID registration allows: signed in a buffer on the stack
    [InlineData(400)] // longer than that buffer holds: signed in a rented one, with the same bytes
    public void Sign_WritesTheSamePayload_ForLongUserIds(int escapes)
    {
        // Arrange: every '<' becomes a six-character escape, the most a character can take
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        var userId = new string('<', escapes - 3) + "日本😀";
        var expected = Encoding.UTF8.GetBytes("{\"UserID\":\"" + string.Concat(Enumerable.Repeat("\\u003c", escapes - 3)) +
            "日本😀\",\"PlatformID\":5,\"exp\":1707776000,\"nbf\":1699999700,\"iat\":1700000000}");

        // Act
        var token = codec.Sign(userId, 5, now, Lifetime, TokenFormat.WithNotBefore);

        // Assert
        Assert.Equal(expected, Jwt.PayloadBytes(token));
        Assert.Equal(0, codec.Verify(token, now).ErrorCode);
        Assert.Equal(userId, codec.Verify(token, now).Claims?.UserId);
    }

    [Fact]
    public void Sign_WritesReplacementEscape_ForLoneSurrogate()
    {
        // Arrange
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(1700000000);

        // Act
        var token = codec.Sign("x\ud800y", 5, now, Lifetime, TokenFormat.Backdated);

        // Assert
        var expectedPrefix = "{\"UserID\":\"x\\ufffdy\","u8.ToArray();
        Assert.Equal(expectedPrefix, Jwt.PayloadBytes(token)[..expectedPrefix.Length]);
    }

    [Theory]
    // Go matches struct fields case-insensitively and skips unknown keys
    [InlineData("""{"userid":"u1","PLATFORMID":2,"jti":"x","aud":["a"],"exp":1707776000,"iat":1700000000}""")]
    // JSON escapes in a name (here U, P and i) are the same name to Go's decoder
    [InlineData("""{"\u0055serid":"u1","\u0050latformID":2,"exp":1707776000,"\u0069at":1700000000}""")]
    public void Verify_ReadsClaimNamesAsGoDoes(string payload)
    {
        // Arrange
        var token = Jwt.Sign(Jwt.Hs256Header, payload, "openIM123");

        // Act
        var result = new TokenCodec("openIM123").Verify(token, DateTimeOffset.FromUnixTimeSeconds(1700000001));

        // Assert
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(new TokenClaims("u1", 2, 1707776000, null, 1700000000), result.Claims);
    }
}
