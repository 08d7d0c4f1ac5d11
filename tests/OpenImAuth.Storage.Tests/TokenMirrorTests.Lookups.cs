using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// What the store reads from its memory (a user's token on a platform, the user's tokens, the expired ones) and how a
/// write's committed rows and compaction's moves land in it.
/// </summary>
public sealed partial class TokenMirrorTests
{
    [Fact]
    public void Find_GivesTheUsersTokenOnThatPlatform_AndNothingElse()
    {
        // Arrange
        var mirror = new TokenMirror();
        var ios = Signed("u1", Platforms.Ios, 0);
        var android = Signed("u1", Platforms.Android, 1) with { Status = TokenStatus.Kicked };
        mirror.Apply(ios, 1, tombstone: false);
        mirror.Apply(android, 2, tombstone: false);

        // Act, Assert
        Assert.Equal(ios, mirror.Find("u1", Platforms.Ios, ios.Token)?.ToStored("u1"));
        Assert.Equal(TokenStatus.Kicked, mirror.Find("u1", Platforms.Android, android.Token)?.Status);
        Assert.Null(mirror.Find("u1", Platforms.Android, ios.Token));
        Assert.Null(mirror.Find("u2", Platforms.Ios, ios.Token));
        Assert.Null(mirror.Find("u1", Platforms.Ios, "not-a-jwt"));
    }

    [Fact]
    public void ToStored_GivesTheUsersTokensOldestFirst_InAListOfTheCallersOwn()
    {
        // Arrange
        var mirror = new TokenMirror();
        var newer = Signed("u1", Platforms.Ios, 10);
        var older = Signed("u1", Platforms.Android, 0);
        mirror.Apply(newer, 1, tombstone: false);
        mirror.Apply(older, 2, tombstone: false);

        // Act
        var tokens = mirror.ToStored("u1");
        tokens.Clear();

        // Assert
        Assert.Equal([older, newer], mirror.ToStored("u1"));
        Assert.Empty(mirror.ToStored("u2"));
    }

    [Fact]
    public void ApplyRows_AppliesAWritesRows_InTheirOrder_AndARefusedWritesNone()
    {
        // Arrange: u1 holds one token; a write kicks it, stores another, then kicks that one too
        var mirror = new TokenMirror();
        var first = Signed("u1", Platforms.Ios, 0);
        var second = Signed("u1", Platforms.Android, 1);
        mirror.Apply(first, 1, tombstone: false);
        List<TokenLog.Appended> rows =
        [
            new(2, first with { Status = TokenStatus.Kicked }),
            new(3, second),
            new(4, second with { Status = TokenStatus.Kicked }),
        ];

        // Act
        mirror.Apply(rows);
        mirror.Apply((List<TokenLog.Appended>?)null);

        // Assert: each row landed, the last state of each token last
        var held = mirror.Get("u1");
        Assert.Equal([first with { Status = TokenStatus.Kicked }, second with { Status = TokenStatus.Kicked }], held.Select(t => t.ToStored("u1")));
        Assert.Equal([2L, 4L], held.Select(t => t.Seq));
        Assert.Equal(2, mirror.Count);
    }

    [Fact]
    public void MoveRows_GivesEachMovedToken_ItsNewRow_AndLeavesTheOthers()
    {
        // Arrange
        var mirror = new TokenMirror();
        mirror.Apply(Signed("u1", Platforms.Ios, 0), 1, tombstone: false);
        mirror.Apply(Signed("u1", Platforms.Android, 1), 2, tombstone: false);
        mirror.Apply(Signed("u2", Platforms.Ios, 2), 3, tombstone: false);

        // Act
        mirror.MoveRows([new("u1", From: 2, To: 7), new("u2", From: 3, To: 8)]);

        // Assert
        Assert.Equal([1, 7], mirror.Get("u1").Select(t => t.Seq));
        Assert.Equal([8], mirror.Get("u2").Select(t => t.Seq));
    }

    [Fact]
    public void ExpiredBy_CountsTheExpiredTokens_AndForget_DropsThemOnly()
    {
        // Arrange: u1 has a token that expires a second before its other one; u2 has only one, as old as u1's first
        var mirror = new TokenMirror();
        var older = Signed("u1", Platforms.Ios, 0);
        var newer = Signed("u1", Platforms.Android, 1);
        var alone = Signed("u2", Platforms.Ios, 0);
        mirror.Apply(older, 1, tombstone: false);
        mirror.Apply(newer, 2, tombstone: false);
        mirror.Apply(alone, 3, tombstone: false);

        // Act
        var expired = mirror.ExpiredBy(older.ExpiresAt);
        mirror.Forget(expired);

        // Assert: the boundary second counts as expired; u2, left without a token, is forgotten
        Assert.Equal(2, expired.Count);
        Assert.Equal(["u1", "u2"], expired.Users.Order(StringComparer.Ordinal));
        Assert.Equal([newer], mirror.ToStored("u1"));
        Assert.DoesNotContain(mirror.Users(), user => user.Key == "u2");
        Assert.Equal(1, mirror.Count);
        Assert.Equal(0, mirror.ExpiredBy(older.ExpiresAt).Count);
    }
}
