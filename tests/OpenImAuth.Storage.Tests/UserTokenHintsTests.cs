using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;

namespace OpenImAuth.Storage.Tests;

public sealed class UserTokenHintsTests
{
    [Fact]
    public void Set_KeepsTheTokensHeldWithinTheBound_AndTheLatestUser()
    {
        // Arrange: room for 640 tokens, each user counting one more than the tokens it holds
        var hints = new UserTokenHints(maxTokens: 640);

        // Act
        for (var user = 0; user < 10_000; user++)
        {
            hints.Set("u" + user, [Token("u" + user, 1), Token("u" + user, 2)]);
        }

        // Assert
        var held = Enumerable.Range(0, 10_000).Count(user => hints.TryGet("u" + user, out _));
        Assert.InRange(held * 3, 1, 640);
        Assert.True(hints.TryGet("u9999", out var latest));
        Assert.Equal([Token("u9999", 1), Token("u9999", 2)], latest);
    }

    [Fact]
    public void Set_KeepsAUserWhoseTokensAloneExceedAStripesShare()
    {
        // Arrange: a share of 10 per stripe; an administrator keeps every token it was ever issued
        var hints = new UserTokenHints(maxTokens: 640);
        var many = Enumerable.Range(0, 50).Select(i => Token("admin", i)).ToArray();

        // Act
        hints.Set("admin", many);

        // Assert: a retry after a rejected apply plans from it, so it must be there
        Assert.True(hints.TryGet("admin", out var kept));
        Assert.Equal(many, kept);
    }

    [Fact]
    public void TryGet_GivesBackExactlyTheTokensSet_WhateverTheirCharacters()
    {
        // Arrange: kept as UTF-8, so a field some other writer put in Redis must come back as it was read
        var hints = new UserTokenHints(maxTokens: 1000);
        var foreign = new StoredToken("jwt-é-\U0001F600-\u4E2D", "a", Platforms.Web, TokenStatus.Kicked, 7, 9);

        // Act
        hints.Set("a", [Token("a", 1), foreign]);

        // Assert
        Assert.True(hints.TryGet("a", out var kept));
        Assert.Equal([Token("a", 1), foreign], kept);
    }

    [Fact]
    public void TryGet_GivesBackRealTokens_KeptCompact_BesideForeignOnes()
    {
        // Arrange: two tokens in OpenIM's layout (one kicked) and one some other writer stored under a platform
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var web = codec.SignWithTimes("a", Platforms.Web, now, TimeSpan.FromDays(90), TokenFormat.Backdated);
        var ios = codec.SignWithTimes("a", Platforms.Ios, now.AddSeconds(1), TimeSpan.FromDays(90), TokenFormat.WithNotBefore);
        StoredToken[] held =
        [
            new(web.Token, "a", Platforms.Web, TokenStatus.Kicked, web.IssuedAt, web.ExpiresAt),
            new(ios.Token, "a", Platforms.Ios, TokenStatus.Normal, ios.IssuedAt, ios.ExpiresAt),
            new(ios.Token, "a", Platforms.Android, TokenStatus.Normal, ios.IssuedAt, ios.ExpiresAt), // not its claim's platform
        ];
        var hints = new UserTokenHints(maxTokens: 1000);

        // Act
        hints.Set("a", held);

        // Assert
        Assert.True(hints.TryGet("a", out var kept));
        Assert.Equal(held, kept);
        Assert.Equal(1, hints.TokensKeptAsText("a"));
    }

    [Fact]
    public void Set_AfterALookup_KeepsWhatThePlanChanged_OfTheTokensItGaveOut()
    {
        // Arrange: a plan kicks one looked-up token, keeps one, copies one to another platform's hash and adds one
        var codec = new TokenCodec("openIM123");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        StoredToken Signed(int platform, int seconds)
        {
            var signed = codec.SignWithTimes("a", platform, now.AddSeconds(seconds), TimeSpan.FromDays(90), TokenFormat.WithNotBefore);
            return new StoredToken(signed.Token, "a", platform, TokenStatus.Normal, signed.IssuedAt, signed.ExpiresAt);
        }
        var hints = new UserTokenHints(maxTokens: 1000);
        hints.Set("a", [Signed(Platforms.Ios, 0), Signed(Platforms.Web, 1), Signed(Platforms.Android, 2)]);
        Assert.True(hints.TryGet("a", out var basis));
        StoredToken[] after =
        [
            basis[0] with { Status = TokenStatus.Kicked },
            basis[1],
            basis[2] with { PlatformId = Platforms.Linux },
            Signed(Platforms.Ios, 3),
        ];

        // Act
        hints.Set("a", after);

        // Assert: the same texts, now with the statuses and platforms the plan gave them
        Assert.True(hints.TryGet("a", out var kept));
        Assert.Equal(after, kept);
        Assert.Equal(2, hints.ReusedHints); // the kicked and the kept one; the copy's platform differs
        Assert.Equal(1, hints.TokensKeptAsText("a")); // the copy under another platform than its claim's
    }

    [Fact]
    public void Set_AfterALookupOfManyTokens_FindsThemWhereverThePlanMovedThem()
    {
        // Arrange: an administrator's 40 tokens; the plan drops the oldest, so every other one moves up one place
        var codec = new TokenCodec("openIM123");
        var held = Enumerable.Range(0, 40).Select(i =>
        {
            var signed = codec.SignWithTimes("admin", Platforms.Admin, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i), TimeSpan.FromDays(90), TokenFormat.Backdated);
            return new StoredToken(signed.Token, "admin", Platforms.Admin, TokenStatus.Normal, signed.IssuedAt, signed.ExpiresAt);
        }).ToArray();
        var hints = new UserTokenHints(maxTokens: 1000);
        hints.Set("admin", held);
        Assert.True(hints.TryGet("admin", out var basis));

        // Act
        hints.Set("admin", basis[1..].Reverse().ToArray());

        // Assert
        Assert.True(hints.TryGet("admin", out var kept));
        Assert.Equal(held[1..].Reverse(), kept);
        Assert.Equal(39, hints.ReusedHints);
    }

    [Fact]
    public void Set_ChecksAgain_ATokenWhoseClaimsChanged_OrWhenAnotherSetCameBetween()
    {
        // Arrange
        var codec = new TokenCodec("openIM123");
        var signed = codec.SignWithTimes("a", Platforms.Ios, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimeSpan.FromDays(90), TokenFormat.Backdated);
        var token = new StoredToken(signed.Token, "a", Platforms.Ios, TokenStatus.Normal, signed.IssuedAt, signed.ExpiresAt);
        var hints = new UserTokenHints(maxTokens: 1000);
        hints.Set("a", [token]);

        // Act: the same string with another expiry; then a lookup whose strings another Set replaced meanwhile
        Assert.True(hints.TryGet("a", out var first));
        var changed = first[0] with { ExpiresAt = 42 };
        hints.Set("a", [changed]);
        Assert.True(hints.TryGet("a", out var second));
        hints.Set("a", [token]);
        hints.Set("a", [second[0]]);

        // Assert
        Assert.True(hints.TryGet("a", out var kept));
        Assert.Equal([token with { ExpiresAt = 42 }], kept);
        Assert.Equal(0, hints.ReusedHints);
    }

    [Fact]
    public void Set_WeighsATokenKeptAsText_ByItsLength()
    {
        // Arrange: 100 a stripe; a user with one foreign token of 720 bytes weighs 1 + 1 + 10
        var hints = new UserTokenHints(maxTokens: 6400);
        var foreign = new string('x', 10 * UserTokenHints.TextBytesPerUnit);

        // Act
        for (var user = 0; user < 10_000; user++)
        {
            hints.Set("u" + user, [new StoredToken(foreign, "u" + user, Platforms.Web, TokenStatus.Normal, 100, 200)]);
        }

        // Assert
        var held = Enumerable.Range(0, 10_000).Count(user => hints.TryGet("u" + user, out _));
        Assert.InRange(held * 12, 1, 6400);
        Assert.Equal(1, hints.TokensKeptAsText("u9999"));
    }

    [Fact]
    public void SetAndForget_ReplaceAndDropOneUser()
    {
        var hints = new UserTokenHints(maxTokens: 1000);
        hints.Set("a", [Token("a", 1)]);
        hints.Set("b", [Token("b", 1)]);

        hints.Set("a", [Token("a", 2)]);
        hints.Forget("b");

        Assert.True(hints.TryGet("a", out var a));
        Assert.Equal([Token("a", 2)], a);
        Assert.False(hints.TryGet("b", out _));
    }

    private static StoredToken Token(string user, int platform) =>
        new($"token-{user}-{platform}", user, platform, TokenStatus.Normal, 100, 200);
}
