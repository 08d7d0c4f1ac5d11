using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The KEYS/ARGV each token script is sent and how its reply is read, without a Redis: what the scripts do with them
/// is the store contract tests' to show, on a real Redis and a real cluster.
/// </summary>
public sealed class RedisTokenScriptsTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);
    private static readonly RedisChannel Announcements = RedisKeys.TokensChanged(0);
    private static readonly RedisKey WebHash = RedisKeys.TokenHash("u1", Platforms.Web);

    [Fact]
    public void TokenChanges_WritesEachChangesHashesAndIssuanceTimes_ThenTheSequence_AndOneBlockPerChange()
    {
        // Arrange: a login on Web whose plan rests on one live Web token, and a change without a basis that kicks one
        var live = Token("old", Platforms.Web);
        var login = new TokenStateChange("u1", Token("new", Platforms.Web) with { IssuedAtMs = 5_000 }, [], [],
            Basis: [live], BasisPlatforms: PlatformSet.Of(Platforms.Web));
        var kick = new TokenStateChange("u2", null, [Token("k", Platforms.Ios, "u2")], []);

        // Act
        var arguments = new TokenChangesScript.Arguments(2, Lifetime, Announcements, announceKicks: true);
        arguments.Add(login);
        arguments.Add(kick);
        var (keys, values) = arguments.ToArrays();

        // Assert: KEYS
        Assert.Equal(2 * (TokenHashes.PerUser + 1) + 1, keys.Length);
        Assert.Equal(RedisKeys.TokenHash("u1", Platforms.Min), keys[0]);
        Assert.Equal(RedisKeys.TokenHash("u1", Platforms.Max), keys[TokenHashes.PerUser - 1]);
        Assert.Equal(RedisKeys.IssuedTimes("u1"), keys[TokenHashes.PerUser]);
        Assert.Equal(RedisKeys.TokenHash("u2", Platforms.Min), keys[TokenHashes.PerUser + 1]);
        Assert.Equal(RedisKeys.TokenSequence, keys[^1]);

        // Assert: ARGV, the header then the login's block (its length first) then the kick's
        Assert.Equal([(long)Lifetime.TotalSeconds, 2, Announcements.ToString(), RedisKeys.Revoked.ToString()], values[..4]);
        var loginBlock = values[4..(4 + (int)values[4])];
        RedisValue[] sizes = [.. Enumerable.Range(Platforms.Min, TokenHashes.PerUser).Select(p => (RedisValue)(p == Platforms.Web ? 1 : -1))];
        Assert.Equal(
            [loginBlock.Length, 1, .. sizes, 1, Platforms.Web, "old", TokenStatus.Normal, 0, 0, 1, Platforms.Web, "new", TokenStatus.Normal,
             1, 5_000, RedisKeys.KeyListItems([WebHash]), ""],
            loginBlock);
        var kickBlock = values[(4 + loginBlock.Length)..];
        Assert.Equal(
            [kickBlock.Length, 0, 0, 1, Platforms.Ios, "k", 0, "", RedisKeys.KeyListItems([RedisKeys.TokenHash("u2", Platforms.Ios)]),
             RedisRevocationBus.MessageItems(kick.Kicked)],
            kickBlock);
    }

    [Fact]
    public void TokenChanges_Reply_IsOneOutcomePerChange_AppliedStaleOrRefused()
    {
        // Arrange: applied, stale (the user's hashes, one HGETALL reply each), refused (an error's text)
        RedisResult[] hashes = [.. Enumerable.Range(Platforms.Min, TokenHashes.PerUser).Select(p => p == Platforms.Web
            ? RedisResult.Create(["t", "2"], ResultType.Array)
            : RedisResult.Create(Array.Empty<RedisValue>(), ResultType.Array))];
        var reply = RedisResult.Create(
            [RedisResult.Create(1), RedisResult.Create(hashes), RedisResult.Create("WRONGTYPE not a hash", ResultType.BulkString)]);

        // Act
        var replies = TokenChangesScript.ReadReplies(reply, 3);
        var (applied, stale, refused) = (new TokenChangeOutcome(replies[0]), new TokenChangeOutcome(replies[1]), new TokenChangeOutcome(replies[2]));

        // Assert
        Assert.True(applied.Applied);
        Assert.False(applied.Stale);
        Assert.True(stale.Stale);
        Assert.Equal([new StoredToken("t", "u1", Platforms.Web, TokenStatus.Kicked, 0, 0)], stale.CurrentTokens("u1"));
        Assert.False(refused.Applied || refused.Stale);
        Assert.Equal("WRONGTYPE not a hash", refused.ToString());
        Assert.Throws<InvalidOperationException>(() => TokenChangesScript.ReadReplies(reply, 2));
    }

    [Fact]
    public void KickPlatform_SendsTheHashAndSequence_ThenTtlMessageAndChannel_OnACluster_NoSequence()
    {
        // Arrange
        var kick = new KickPlatformScript("u1", Platforms.Web, Lifetime, Announcements);

        // Act
        var single = kick.Arguments(onCluster: false);
        var cluster = kick.Arguments(onCluster: true);
        var kicked = kick.ReadReply(RedisResult.Create(["a", "b"], ResultType.Array));

        // Assert
        Assert.Equal([WebHash, RedisKeys.TokenSequence], single.Keys);
        Assert.Equal([(long)Lifetime.TotalSeconds, RedisKeys.KeyListMessage([WebHash]), Announcements.ToString()], single.Values);
        Assert.Equal([WebHash], cluster.Keys);
        Assert.Equal(single.Values[..2], cluster.Values);
        Assert.Equal(["a", "b"], kicked.Select(t => t.Token));
        Assert.All(kicked, t => Assert.Equal(("u1", Platforms.Web, TokenStatus.Kicked), (t.UserId, t.PlatformId, t.Status)));
    }

    [Fact]
    public void KickToken_SendsTheHashAndSequence_ThenTokenMessageAndChannel_AndReadsOneAsKicked()
    {
        // Arrange
        var kick = new KickTokenScript("u1", Platforms.Web, "t", Announcements);

        // Act
        var single = kick.Arguments(onCluster: false);
        var cluster = kick.Arguments(onCluster: true);

        // Assert
        Assert.Equal([WebHash, RedisKeys.TokenSequence], single.Keys);
        Assert.Equal(["t", RedisKeys.KeyListMessage([WebHash]), Announcements.ToString()], single.Values);
        Assert.Equal([WebHash], cluster.Keys);
        Assert.Equal(single.Values[..2], cluster.Values);
        Assert.Equal(new StoredToken("t", "u1", Platforms.Web, TokenStatus.Kicked, 0, 0), kick.ReadReply(RedisResult.Create(1)));
        Assert.Null(kick.ReadReply(RedisResult.Create(0)));
    }

    [Fact]
    public void UserTokens_ReadsOneHgetallReplyPerPlatform_AsTheUsersTokens()
    {
        // Arrange
        RedisResult[] hashes = [.. Enumerable.Range(Platforms.Min, TokenHashes.PerUser).Select(p => p switch
        {
            Platforms.Ios => RedisResult.Create(["i", "0"], ResultType.Array),
            Platforms.Web => RedisResult.Create(["w", "2", "x", "junk"], ResultType.Array),
            _ => RedisResult.Create(Array.Empty<RedisValue>(), ResultType.Array),
        })];

        // Act
        var tokens = UserTokensScript.ReadReply("u1", RedisResult.Create(hashes));

        // Assert: a status that is not an integer reads as unknown
        Assert.Equal(
            [("i", Platforms.Ios, TokenStatus.Normal), ("w", Platforms.Web, TokenStatus.Kicked), ("x", Platforms.Web, TokenStatus.Invalid)],
            tokens.Select(t => (t.Token, t.PlatformId, t.Status)));
    }

    [Fact]
    public void ClusterStep_SendsTheBasisOfItsHash_ItsRemovedKickedAndAddedTokens_AndTheMessages()
    {
        // Arrange
        var step = new ClusterTokenStepScript(WebHash, Lifetime, [Token("old", Platforms.Web)], [Token("gone", Platforms.Web)],
            [Token("kicked", Platforms.Web)], Token("new", Platforms.Web) with { ExpiresAt = 100 }, "revoked");

        // Act
        var values = step.Values();

        // Assert
        Assert.True(step.Writes);
        Assert.Equal(
            [(long)Lifetime.TotalSeconds, 1, 1, 1, "old", TokenStatus.Normal, 1, "gone", 1, "kicked", 1, "new", TokenStatus.Normal, 100,
             RedisKeys.KeyListMessage([WebHash]), "revoked", RedisKeys.Revoked.ToString()],
            values);
        Assert.Equal([(long)Lifetime.TotalSeconds, 0, 0, 0, 0], new ClusterTokenStepScript(WebHash, Lifetime, null, [], [], null, "").Values()[..5]);
    }

    [Fact]
    public void ClusterStep_Reply_IsStaleOnZero_AppliedOnOne_AndAnErrorTextFailsTheChange()
    {
        Assert.True(ClusterTokenStepScript.IsStale(RedisResult.Create(0), "u1"));
        Assert.False(ClusterTokenStepScript.IsStale(RedisResult.Create(1), "u1"));
        var refused = Assert.Throws<InvalidOperationException>(
            () => ClusterTokenStepScript.IsStale(RedisResult.Create("WRONGTYPE", ResultType.BulkString), "u1"));
        Assert.Contains("WRONGTYPE", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterIssuedTimes_SendsTheRemovedTokens_ThenTheAddedOneWithItsTimes_OrNothingToWrite()
    {
        // Arrange
        var added = Token("new", Platforms.Web) with { IssuedAtMs = 5_000, IssuedAt = 5, ExpiresAt = 65 };

        // Act
        var values = new ClusterIssuedTimesScript("u1", [Token("gone", Platforms.Web)], added).Values();
        var nothing = new ClusterIssuedTimesScript("u1", [], Token("new", Platforms.Web)).Values();

        // Assert
        Assert.Equal([1, "gone", "new", 5_000, 60], values);
        Assert.Equal([0], nothing);
    }

    private static StoredToken Token(string text, int platformId, string userId = "u1") =>
        new(text, userId, platformId, TokenStatus.Normal, 0, 0);
}
