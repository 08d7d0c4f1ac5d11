using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>The memory of tokens whose signature was already checked: it may skip the HMAC, never a check that matters.</summary>
public sealed partial class TokenCodecTests
{
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void Verify_ChecksTimesAgain_ForARememberedToken()
    {
        // Arrange
        var codec = new TokenCodec("openIM123");
        var token = codec.Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        var first = codec.Verify(token, SignedAt);

        // Act
        var afterExpiry = codec.Verify(token, SignedAt + Lifetime);
        var beforeNotBefore = codec.Verify(token, SignedAt.AddSeconds(-301));

        // Assert
        Assert.Equal(0, first.ErrorCode);
        Assert.Equal(1, codec.RememberedTokens);
        Assert.Equal(ErrorCodes.TokenExpiredError, afterExpiry.ErrorCode);
        Assert.Equal(ErrorCodes.TokenNotValidYetError, beforeNotBefore.ErrorCode);
        Assert.Equal(first.Claims, afterExpiry.Claims);
    }

    [Fact]
    public void Verify_RefusesAnAlteredCopy_OfARememberedToken()
    {
        // Arrange
        var codec = new TokenCodec("openIM123");
        var token = codec.Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        Assert.Equal(0, codec.Verify(token, SignedAt).ErrorCode);
        var altered = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');

        // Act
        var result = codec.Verify(altered, SignedAt);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, result.ErrorCode);
        Assert.Null(result.Claims);
        Assert.Equal(1, codec.RememberedTokens);
    }

    [Fact]
    public void Verify_RemembersOnlyAuthenticTokens_PerCodec()
    {
        // Arrange: a token another secret signed, and one this codec verified
        var codec = new TokenCodec("openIM123");
        var other = new TokenCodec("another secret");
        var forged = other.Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        var ours = codec.Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);

        // Act
        var forgedResult = codec.Verify(forged, SignedAt);
        var oursResult = codec.Verify(ours, SignedAt);
        var oursElsewhere = other.Verify(ours, SignedAt);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, forgedResult.ErrorCode);
        Assert.Equal(0, oursResult.ErrorCode);
        Assert.Equal(ErrorCodes.TokenUnknownError, oursElsewhere.ErrorCode);
        Assert.Equal(1, codec.RememberedTokens);
        Assert.Equal(0, other.RememberedTokens);
    }

    [Fact]
    public void Verify_StaysWithinItsBound_AndKeepsAnswering()
    {
        // Arrange
        var codec = new TokenCodec("openIM123", rememberedTokens: 4);
        var tokens = Enumerable.Range(0, 10).Select(i => codec.Sign($"u{i}", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore)).ToList();

        // Act
        var results = tokens.Select(t => codec.Verify(t, SignedAt)).Concat(tokens.Select(t => codec.Verify(t, SignedAt))).ToList();

        // Assert
        Assert.All(results, r => Assert.Equal(0, r.ErrorCode));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"u{i}"), results.Take(10).Select(r => r.Claims!.UserId));
        Assert.InRange(codec.RememberedTokens, 1, 4);
    }
}
