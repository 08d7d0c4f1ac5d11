using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>Secret rotation: the current secret signs, previous ones verify, and a swap takes effect at once.</summary>
public sealed partial class TokenCodecTests
{
    private const string OldSecret = "the-old-secret-of-the-app-server";
    private const string NewSecret = "the-new-secret-of-the-app-server";

    [Fact]
    public void Verify_AcceptsAToken_SignedWithAPreviousSecret()
    {
        // Arrange
        var token = new TokenCodec(OldSecret).Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        var codec = new TokenCodec(new SecretKeyring(new SecretSet(NewSecret, ["unrelated-secret-number-one", OldSecret])));

        // Act
        var result = codec.Verify(token, SignedAt);

        // Assert
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal("u1", result.Claims!.UserId);
    }

    [Fact]
    public void Verify_RefusesAToken_SignedWithASecretNeitherCurrentNorPrevious()
    {
        // Arrange
        var token = new TokenCodec("a-secret-nobody-configured").Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        var codec = new TokenCodec(new SecretKeyring(new SecretSet(NewSecret, [OldSecret])));

        // Act
        var result = codec.Verify(token, SignedAt);

        // Assert
        Assert.Equal(ErrorCodes.TokenUnknownError, result.ErrorCode);
        Assert.Null(result.Claims);
    }

    [Fact]
    public void Sign_UsesTheCurrentSecret_AfterASwap()
    {
        // Arrange
        var keyring = new SecretKeyring(OldSecret);
        var codec = new TokenCodec(keyring);

        // Act
        keyring.Replace(new SecretSet(NewSecret, [OldSecret]));
        var token = codec.Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);

        // Assert: the new secret alone verifies it, and it is the very token the new secret signs.
        Assert.Equal(new TokenCodec(NewSecret).Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore), token);
        Assert.Equal(ErrorCodes.TokenUnknownError, new TokenCodec(OldSecret).Verify(token, SignedAt).ErrorCode);
    }

    [Fact]
    public void Verify_RefusesARememberedToken_OnceItsSecretIsTakenOut()
    {
        // Arrange: verified (and so remembered) while its secret was current
        var keyring = new SecretKeyring(OldSecret);
        var codec = new TokenCodec(keyring);
        var token = codec.Sign("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        Assert.Equal(0, codec.Verify(token, SignedAt).ErrorCode);

        // Act
        keyring.Replace(new SecretSet(NewSecret, [OldSecret]));
        var whilePrevious = codec.Verify(token, SignedAt);
        keyring.Replace(new SecretSet(NewSecret, []));
        var afterRemoval = codec.Verify(token, SignedAt);

        // Assert
        Assert.Equal(0, whilePrevious.ErrorCode);
        Assert.Equal(ErrorCodes.TokenUnknownError, afterRemoval.ErrorCode);
    }

    [Theory]
    [InlineData(NewSecret, "current")]
    [InlineData(OldSecret, "previousSecrets[1]")]
    [InlineData("the-older-secret-of-the-app-srv", "previousSecrets[0]")]
    [InlineData("wrong", "none")]
    [InlineData(null, "none")]
    public void Match_SaysWhichSecretWasPresented(string? presented, string expected)
    {
        // Arrange: the current secret listed again among the previous ones is left out, the places stay as configured
        var secrets = new SecretSet(NewSecret, ["the-older-secret-of-the-app-srv", OldSecret, NewSecret]);

        // Act
        var match = secrets.Match(presented);

        // Assert
        Assert.Equal(expected, match.ToString());
        Assert.Equal(expected != "none", match.IsMatch);
        Assert.Equal(expected.StartsWith("previous", StringComparison.Ordinal), match.IsPrevious);
        Assert.Equal(2, secrets.Previous.Count);
    }
}
