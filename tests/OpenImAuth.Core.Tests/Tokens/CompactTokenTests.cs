using OpenImAuth.Core.Tests.TestSupport;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>A compact token writes its exact text again, and only a text it can write again is ever made compact.</summary>
public sealed class CompactTokenTests
{
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    [Theory]
    [InlineData("u1", 1, TokenFormat.WithNotBefore)]
    [InlineData("u1", 5, TokenFormat.Backdated)]
    [InlineData("imAdmin", Platforms.Admin, TokenFormat.Backdated)]
    [InlineData("用户-\"quoted\"-<tag>-\U0001F600", 2, TokenFormat.WithNotBefore)]
    public void ToToken_WritesTheSignedTextAgain_WithoutTheSecret(string userId, int platformId, TokenFormat format)
    {
        // Arrange
        var signed = new TokenCodec("openIM123").SignWithTimes(userId, platformId, SignedAt, Lifetime, format);

        // Act
        var made = CompactToken.TryCreate(signed.Token, userId, platformId, signed.IssuedAt, signed.ExpiresAt, out var compact);
        var text = compact.ToToken(userId, platformId, signed.IssuedAt, signed.ExpiresAt);

        // Assert
        Assert.True(made);
        Assert.Equal(signed.Token, text);
    }

    [Fact]
    public void TryCreate_Refuses_WhenTheClaimsGivenAreNotTheTokens()
    {
        // Arrange
        var signed = new TokenCodec("openIM123").SignWithTimes("u1", 3, SignedAt, Lifetime, TokenFormat.WithNotBefore);

        // Act, Assert: a token stored under another platform's hash, or read with other times, stays as text
        Assert.False(CompactToken.TryCreate(signed.Token, "u1", 4, signed.IssuedAt, signed.ExpiresAt, out _));
        Assert.False(CompactToken.TryCreate(signed.Token, "u2", 3, signed.IssuedAt, signed.ExpiresAt, out _));
        Assert.False(CompactToken.TryCreate(signed.Token, "u1", 3, signed.IssuedAt + 1, signed.ExpiresAt, out _));
        Assert.False(CompactToken.TryCreate(signed.Token, "u1", 3, signed.IssuedAt, signed.ExpiresAt - 1, out _));
        Assert.True(CompactToken.TryCreate(signed.Token, "u1", 3, signed.IssuedAt, signed.ExpiresAt, out _));
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("jwt-é-\U0001F600.x")]
    public void TryCreate_Refuses_TextOfAnyOtherShape(string token)
    {
        Assert.False(CompactToken.TryCreate(token, "u1", 1, 1_700_000_000, 1_707_776_000, out _));
    }

    [Fact]
    public void TryCreate_Refuses_ARealTokenSpelledAnyOtherWay()
    {
        // Arrange
        var signed = new TokenCodec("openIM123").SignWithTimes("u1", 1, SignedAt, Lifetime, TokenFormat.WithNotBefore);
        var signatureAt = signed.Token.LastIndexOf('.') + 1;
        string[] respelled =
        [
            signed.Token + "\n",
            " " + signed.Token,
            signed.Token[..(signatureAt + 5)] + " " + signed.Token[(signatureAt + 6)..],
            "é" + signed.Token[1..],
            signed.Token + "=",
        ];

        // Act, Assert
        Assert.True(CompactToken.TryCreate(signed.Token, "u1", 1, signed.IssuedAt, signed.ExpiresAt, out _));
        Assert.All(respelled, token => Assert.False(CompactToken.TryCreate(token, "u1", 1, signed.IssuedAt, signed.ExpiresAt, out _)));
    }

    [Fact]
    public void ToToken_WritesTheSignedTextAgain_ForLongUserIds_AndExtremeTimes()
    {
        // Arrange: a user ID whose escaped payload no longer fits the stack buffer, and times at the ends of long
        var codec = new TokenCodec("openIM123");
        var longUser = string.Concat(Enumerable.Repeat("<\"用户\">", 200));
        (string User, DateTimeOffset At, TimeSpan Lifetime)[] cases =
        [
            (longUser, SignedAt, Lifetime),
            ("u1", DateTimeOffset.FromUnixTimeSeconds(0), TimeSpan.Zero),
            ("u1", DateTimeOffset.MaxValue, TimeSpan.FromDays(1)),
        ];

        foreach (var (user, at, lifetime) in cases)
        {
            // Act
            var signed = codec.SignWithTimes(user, 3, at, lifetime, TokenFormat.WithNotBefore);
            var made = CompactToken.TryCreate(signed.Token, user, 3, signed.IssuedAt, signed.ExpiresAt, out var compact);

            // Assert
            Assert.True(made);
            Assert.Equal(signed.Token, compact.ToToken(user, 3, signed.IssuedAt, signed.ExpiresAt));
        }
    }

    [Fact]
    public void TryCreate_FindsEitherFormat_WhicheverCameBefore()
    {
        // Arrange: a deployment may switch profiles, and tokens of both stay stored for their lifetime
        var codec = new TokenCodec("openIM123");
        var formats = new[] { TokenFormat.Backdated, TokenFormat.WithNotBefore, TokenFormat.WithNotBefore, TokenFormat.Backdated, TokenFormat.Backdated };

        for (var i = 0; i < formats.Length; i++)
        {
            var signed = codec.SignWithTimes("u1", 1, SignedAt.AddSeconds(i), Lifetime, formats[i]);

            // Act
            var made = CompactToken.TryCreate(signed.Token, "u1", 1, signed.IssuedAt, signed.ExpiresAt, out var compact);

            // Assert
            Assert.True(made);
            Assert.Equal(signed.Token, compact.ToToken("u1", 1, signed.IssuedAt, signed.ExpiresAt));
        }
    }

    [Fact]
    public void TryCreate_Refuses_ClaimsInAnotherLayout_EvenWithTheSameValues()
    {
        // Arrange: the same claims and a good signature, but fields in another order than Go writes them
        var token = Jwt.Sign(Jwt.Hs256Header,
            """{"PlatformID":1,"UserID":"u1","exp":1707776000,"nbf":1699999700,"iat":1700000000}""", "openIM123");

        // Act
        var made = CompactToken.TryCreate(token, "u1", 1, 1_700_000_000, 1_707_776_000, out _);

        // Assert
        Assert.False(made);
    }

    [Fact]
    public void TryCreate_MakesCompact_OnlyAlteredTokensItWritesBackExactly()
    {
        // Arrange: every one-character change of a real token
        var signed = new TokenCodec("openIM123").SignWithTimes("u1", 1, SignedAt, Lifetime, TokenFormat.Backdated);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var signatureStart = signed.Token.LastIndexOf('.') + 1;
        var compactBeforeSignature = 0;
        var compactSignatures = 0;

        // Act, Assert
        for (var at = 0; at < signed.Token.Length; at++)
        {
            foreach (var replacement in Alphabet + ".=")
            {
                var altered = string.Concat(signed.Token.AsSpan(0, at), [replacement], signed.Token.AsSpan(at + 1));
                if (altered != signed.Token && CompactToken.TryCreate(altered, "u1", 1, signed.IssuedAt, signed.ExpiresAt, out var compact))
                {
                    // A changed signature is still a token of this layout (the secret is not checked here)...
                    Assert.Equal(altered, compact.ToToken("u1", 1, signed.IssuedAt, signed.ExpiresAt));
                    compactBeforeSignature += at < signatureStart ? 1 : 0;
                    compactSignatures += at < signatureStart ? 0 : 1;
                }
            }
        }
        Assert.Equal(0, compactBeforeSignature); // ...a changed header or payload never is
        Assert.True(compactSignatures > 0);

        // The signature's last character carries two unused bits: a spelling with them set is not the token written
        // with them clear, whether or not a decoder accepts it.
        var last = Alphabet.IndexOf(signed.Token[^1]);
        Assert.Equal(0, last & 3);
        for (var unused = 1; unused < 4; unused++)
        {
            var respelled = signed.Token[..^1] + Alphabet[last | unused];
            Assert.False(CompactToken.TryCreate(respelled, "u1", 1, signed.IssuedAt, signed.ExpiresAt, out _));
        }
    }
}
