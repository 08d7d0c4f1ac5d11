using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// Every Redis contract test again, with checks going through <see cref="RedisTokenCheckCache"/>; plus what the cache
/// must never do: answer from memory after a write that completed before the check.
/// </summary>
public sealed class CachedRedisTokenStateStoreContractTests : RedisTokenStateStoreContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override bool WithCheckCache => true;

    [Fact]
    public async Task Check_SeesAKickByAnotherInstance_OnTheVeryNextCheck()
    {
        // Arrange: instance A has the token's hash in memory; instance B will kick it.
        var (a, cacheOfA) = await OpenInstanceAsync();
        var (b, _) = await OpenInstanceAsync();
        var token = Token("u1", Platforms.Web, 0);
        await b.ApplyAsync(Add(token), Ct);
        var before = await a.GetStatusAsync("u1", Platforms.Web, token.Token, Ct);
        await RememberedAsync(a, cacheOfA!, "u1", Platforms.Web, token.Token);

        // Act
        await b.KickPlatformAsync("u1", Platforms.Web, Ct);
        var after = await a.GetStatusAsync("u1", Platforms.Web, token.Token, Ct);

        // Assert: no wait between the kick and the check, and still the kick counts
        Assert.Equal(TokenStatus.Normal, before);
        Assert.Equal(TokenStatus.Kicked, after);
    }

    [Fact]
    public async Task Check_SeesAMultiLoginKickByAnotherInstance_OnTheVeryNextCheck()
    {
        var (a, cacheOfA) = await OpenInstanceAsync();
        var (b, _) = await OpenInstanceAsync();
        var first = Token("u2", Platforms.Ios, 0);
        await b.ApplyAsync(Add(first), Ct);
        await RememberedAsync(a, cacheOfA!, "u2", Platforms.Ios, first.Token);

        await b.ApplyAsync(new TokenStateChange("u2", Token("u2", Platforms.Ios, 1), [first], []), Ct);

        Assert.Equal(TokenStatus.Kicked, await a.GetStatusAsync("u2", Platforms.Ios, first.Token, Ct));
    }

    [Fact]
    public async Task Check_ReadsRedis_WhenAnAnnouncementNeverArrived()
    {
        // Arrange: a remembered hash; then a write whose announcement is lost (sequence counted, nothing published).
        var (a, cacheOfA) = await OpenInstanceAsync();
        var token = Token("u3", Platforms.Android, 0);
        await a.ApplyAsync(Add(token), Ct);
        await RememberedAsync(a, cacheOfA!, "u3", Platforms.Android, token.Token);
        await Lease.Db.HashSetAsync("UID_PID_TOKEN_STATUS:u3:Android", token.Token, "2");
        await Lease.Db.StringIncrementAsync(RedisKeys.TokenSequence);

        // Act
        var status = await a.GetStatusAsync("u3", Platforms.Android, token.Token, Ct);

        // Assert
        Assert.Equal(TokenStatus.Kicked, status);
    }

    [Fact]
    public async Task Check_FindsATokenMissingFromTheRememberedHash_InRedis()
    {
        // A Go node issues a token on a hash we remember, and its announcement has not arrived yet.
        var (a, cacheOfA) = await OpenInstanceAsync();
        var ours = Token("u4", Platforms.Web, 0);
        var fromGo = Token("u4", Platforms.Web, 1);
        await a.ApplyAsync(Add(ours), Ct);
        await RememberedAsync(a, cacheOfA!, "u4", Platforms.Web, ours.Token);
        await Lease.Db.HashSetAsync("UID_PID_TOKEN_STATUS:u4:Web", fromGo.Token, "0");

        Assert.Equal(TokenStatus.Normal, await a.GetStatusAsync("u4", Platforms.Web, fromGo.Token, Ct));
        Assert.Null(await a.GetStatusAsync("u4", Platforms.Web, Token("u4", Platforms.Web, 2).Token, Ct));
    }

    [Fact]
    public async Task Writes_CountTheSequence_AndAnnounceTheirKeysInOrder()
    {
        // Arrange
        var (a, _) = await OpenInstanceAsync();
        var heard = new List<string>();
        var bothHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = await Lease.Subscriber.SubscribeAsync(RedisKeys.TokensChanged(Lease.Database));
        queue.OnMessage(message =>
        {
            lock (heard)
            {
                heard.Add((string)message.Message!);
                if (heard.Count == 2)
                {
                    bothHeard.TrySetResult();
                }
            }
        });
        var before = (long?)await Lease.Db.StringGetAsync(RedisKeys.TokenSequence) ?? 0;
        var token = Token("u5", Platforms.Web, 0);

        // Act
        await a.ApplyAsync(Add(token), Ct);
        await a.KickPlatformAsync("u5", Platforms.Web, Ct);
        await bothHeard.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await queue.UnsubscribeAsync();

        // Assert
        Assert.Equal(before + 2, (long)await Lease.Db.StringGetAsync(RedisKeys.TokenSequence));
        Assert.Equal([$"{before + 1}\nUID_PID_TOKEN_STATUS:u5:Web", $"{before + 2}\nUID_PID_TOKEN_STATUS:u5:Web"], heard);
    }

    /// <summary>
    /// Checks the token until its hash is remembered: the first check may read Redis itself when the announcement
    /// of the write is slower than the check's own sequence read, which a loaded machine can make it.
    /// </summary>
    private static async Task RememberedAsync(RedisTokenStateStore store, RedisTokenCheckCache cache, string userId, int platformId, string token) =>
        await Eventually.UntilAsync(async () => (await store.GetStatusAsync(userId, platformId, token, Ct), cache.Count),
            seen => seen == (TokenStatus.Normal, 1), TimeSpan.FromSeconds(10), "the token's hash remembered");
}
