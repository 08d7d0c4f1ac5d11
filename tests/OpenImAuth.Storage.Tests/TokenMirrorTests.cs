using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The embedded store's memory: a token in OpenIM's layout is kept as its signature and given back as the very text,
/// any other token keeps its text, and every change of state a log row can make lands as replay would apply it.
/// </summary>
public sealed partial class TokenMirrorTests
{
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly TokenCodec Codec = new("openIM123");

    [Theory]
    [InlineData("u1", 1, TokenFormat.WithNotBefore)]
    [InlineData("u1", 7, TokenFormat.Backdated)]
    [InlineData("imAdmin", Platforms.Admin, TokenFormat.Backdated)]
    [InlineData("用户-\"quoted\"-<tag>-\U0001F600", 2, TokenFormat.WithNotBefore)]
    public void Apply_KeepsAnOpenImToken_Compact_AndGivesBackItsText(string userId, int platformId, TokenFormat format)
    {
        // Arrange
        var mirror = new TokenMirror();
        var token = Signed(userId, platformId, 0, format) with { IssuedAtMs = 1_700_000_000_123 };

        // Act
        mirror.Apply(token, seq: 1, tombstone: false);

        // Assert
        var held = Assert.Single(mirror.Get(userId));
        Assert.False(held.IsText);
        Assert.Equal(token, held.ToStored(userId));
        Assert.True(held.Is(userId, token.Token));
        Assert.Equal(1, held.Seq);
    }

    [Fact]
    public void Apply_KeepsTheText_OfEveryTokenNotExactlyInOpenImsLayoutForItsClaims()
    {
        // Arrange: no JWT at all; real tokens stored under another platform, with other times, or spelled otherwise
        var real = Enumerable.Range(0, 5).Select(i => Signed("u1", 3, i, TokenFormat.WithNotBefore)).ToArray();
        StoredToken[] odd =
        [
            new("not-a-jwt", "u1", 1, TokenStatus.Normal, 1_700_000_000, 1_707_776_000),
            new("a.b.c", "u1", 2, TokenStatus.Kicked, 1_700_000_001, 1_707_776_000),
            real[0] with { PlatformId = 4 },
            real[1] with { IssuedAt = real[1].IssuedAt + 1 },
            real[2] with { ExpiresAt = real[2].ExpiresAt - 1 },
            real[3] with { Token = real[3].Token + "=" },
            real[4] with { Token = " " + real[4].Token },
        ];
        var mirror = new TokenMirror();

        // Act
        for (var i = 0; i < odd.Length; i++)
        {
            mirror.Apply(odd[i], seq: i + 1, tombstone: false);
        }

        // Assert: each is kept, as text, and given back exactly; none is taken for another
        var held = mirror.Get("u1");
        Assert.Equal(odd.Length, held.Length);
        Assert.All(held, token => Assert.True(token.IsText));
        Assert.Equal(odd.OrderBy(t => t, Comparer<StoredToken>.Create(StoredToken.OldestFirst)), held.Select(t => t.ToStored("u1")));
        Assert.All(odd, token => Assert.Single(held, h => h.Is("u1", token.Token)));
        Assert.DoesNotContain(held, h => h.Is("u1", real[3].Token) || h.Is("u1", real[4].Token));
    }

    [Fact]
    public void Is_TellsApartTheTokensOfOneUser_AndRefusesOtherUsersAndSpellings()
    {
        // Arrange
        var first = Signed("u1", 1, 0, TokenFormat.Backdated);
        var second = Signed("u1", 1, 1, TokenFormat.Backdated);
        var mirror = new TokenMirror();
        mirror.Apply(first, 1, tombstone: false);
        var held = Assert.Single(mirror.Get("u1"));

        // Act, Assert
        Assert.True(held.Is("u1", first.Token));
        Assert.False(held.Is("u1", second.Token));
        Assert.False(held.Is("u2", first.Token));
        Assert.False(held.Is("u1", first.Token + "\n"));
        Assert.False(held.Is("u1", "not-a-jwt"));
    }

    [Fact]
    public void Apply_KeepsEachUsersTokens_OldestFirst_WhateverTheOrderTheyCome_In()
    {
        // Arrange
        var mirror = new TokenMirror();
        var tokens = new[] { Signed("u1", 1, 20), Signed("u1", 2, 0), Signed("u1", 3, 10), Signed("u1", 4, 30) };

        // Act
        for (var i = 0; i < tokens.Length; i++)
        {
            mirror.Apply(tokens[i], i + 1, tombstone: false);
        }

        // Assert
        Assert.Equal([2, 3, 1, 4], mirror.Get("u1").Select(t => t.PlatformId));
        Assert.Equal(4, mirror.Count);
    }

    [Fact]
    public void Apply_TakesATokenThroughEveryState_AsReplayWould()
    {
        // Arrange: two tokens of u1, one of u2
        var mirror = new TokenMirror();
        var kept = Signed("u1", 1, 0);
        var changing = Signed("u1", 2, 10);
        var other = Signed("u2", 2, 10);
        mirror.Apply(kept, 1, tombstone: false);
        mirror.Apply(changing, 2, tombstone: false);
        mirror.Apply(other, 3, tombstone: false);
        var before = mirror.Get("u1");

        // Act, Assert: kicked (a put of a new state) keeps its place and its text, and takes the new row
        mirror.Apply(changing with { Status = TokenStatus.Kicked, IssuedAtMs = 5 }, 4, tombstone: false);
        var kicked = mirror.Get("u1");
        Assert.Equal([kept, changing with { Status = TokenStatus.Kicked, IssuedAtMs = 5 }], kicked.Select(t => t.ToStored("u1")));
        Assert.Equal([1, 4], kicked.Select(t => t.Seq));
        Assert.Equal([TokenStatus.Normal, TokenStatus.Normal], before.Select(t => t.Status)); // a snapshot never changes

        // normal again (a put of its first state)
        mirror.Apply(changing, 5, tombstone: false);
        Assert.Equal([kept, changing], mirror.Get("u1").Select(t => t.ToStored("u1")));

        // compaction moves its row
        mirror.MoveRow("u1", from: 5, to: 9);
        Assert.Equal([1, 9], mirror.Get("u1").Select(t => t.Seq));

        // removed (a tombstone); a tombstone of a token not held changes nothing
        mirror.Apply(changing with { Status = TokenLog.Tombstone }, 10, tombstone: true);
        mirror.Apply(Signed("u1", 3, 20) with { Status = TokenLog.Tombstone }, 11, tombstone: true);
        Assert.Equal([kept], mirror.Get("u1").Select(t => t.ToStored("u1")));
        Assert.Equal(2, mirror.Count);

        // the user's last token removed: the user is forgotten, the other user untouched
        mirror.Apply(kept with { Status = TokenLog.Tombstone }, 12, tombstone: true);
        Assert.Empty(mirror.Get("u1"));
        Assert.DoesNotContain(mirror.Users(), user => user.Key == "u1");
        Assert.Equal([other], mirror.Get("u2").Select(t => t.ToStored("u2")));
        Assert.Equal(1, mirror.Count);
    }

    [Fact]
    public void KeyOf_GivesTheStringTheUserIsKeptUnder_ThroughEveryChange()
    {
        // Arrange: the same ID in two strings, as two requests would carry it
        var mirror = new TokenMirror();
        var firstId = new string("u1".AsSpan());
        var laterId = new string("u1".AsSpan());
        var token = Signed(firstId, 1, 0);
        mirror.Apply(token, 1, tombstone: false);

        // Act
        mirror.Apply(Signed(laterId, 2, 1), 2, tombstone: false);
        mirror.Apply(token with { UserId = laterId, Status = TokenStatus.Kicked }, 3, tombstone: false);

        // Assert
        Assert.Same(firstId, mirror.KeyOf(laterId));
        Assert.Same(firstId, Assert.Single(mirror.Users()).Key);
        Assert.Same(laterId, new TokenMirror().KeyOf(laterId));
    }

    private static StoredToken Signed(string userId, int platformId, int secondsAfter, TokenFormat format = TokenFormat.WithNotBefore)
    {
        var signed = Codec.SignWithTimes(userId, platformId, SignedAt.AddSeconds(secondsAfter), TimeSpan.FromDays(90), format);
        return new StoredToken(signed.Token, userId, platformId, TokenStatus.Normal, signed.IssuedAt, signed.ExpiresAt);
    }
}
