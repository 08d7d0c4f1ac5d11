using Microsoft.Data.Sqlite;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The embedded store's token log compaction: it decides from memory which rows to carry forward, so these check that
/// what it keeps replays to the same tokens, across states changed between compactions and batches rolled back.
/// </summary>
public sealed partial class SqliteTokenStateStoreContractTests
{
    [Fact]
    public async Task Compaction_KeepsEveryLiveTokensState_AndShrinksTheLog()
    {
        // Arrange: small limits; the live tokens come first, so that compaction has to carry them forward
        _limits = new TokenLogLimits(Floor: 4, Chunk: 8);
        await RestartAsync();
        var normal = Token("u1", Platforms.Ios, 0);
        var kicked = Token("u1", Platforms.Android, 1);
        var other = Token("u2", Platforms.Web, 2);
        await Store.ApplyAsync(Add(normal), Ct);
        await Store.ApplyAsync(Add(kicked), Ct);
        await Store.ApplyAsync(new TokenStateChange("u1", null, [kicked], []), Ct);
        await Store.ApplyAsync(Add(other), Ct);

        // Act
        var churned = await LogInAndOutAsync(100);

        // Assert: at most one compaction's worth above the limit (2 × 3 live + 4); without compaction, 204 rows
        Assert.InRange(await CountLogRowsAsync(), 3, 2 * 3 + 4 + 8);
        _limits = TokenLogLimits.Default;
        await RestartAsync();
        Assert.Equal([normal, kicked with { Status = TokenStatus.Kicked }], await Store.GetUserTokensAsync("u1", Ct));
        Assert.Equal([other], await Store.GetUserTokensAsync("u2", Ct));
        Assert.Empty(await Store.GetUserTokensAsync("churn", Ct));
        foreach (var token in churned)
        {
            Assert.Null(await Store.GetStatusAsync("churn", Platforms.Ios, token.Token, Ct));
        }
    }

    [Fact]
    public async Task Open_RewritesTheLog_WhenMostOfItsRowsAreDead()
    {
        // Arrange: limits too high for compaction while running, 3 live tokens, one of them expired by the reopen
        _limits = new TokenLogLimits(Floor: 1000, Chunk: 8);
        await RestartAsync();
        var live = Token("u1", Platforms.Ios, 0);
        var kicked = Token("u1", Platforms.Android, 1);
        var expiring = Token("u2", Platforms.Ios, 2) with { ExpiresAt = Time.GetUtcNow().ToUnixTimeSeconds() + 60 };
        foreach (var token in new[] { live, kicked, expiring })
        {
            await Store.ApplyAsync(Add(token), Ct);
        }
        await Store.KickPlatformAsync("u1", Platforms.Android, Ct);
        await LogInAndOutAsync(20);
        Assert.Equal(44, await CountLogRowsAsync());
        Time.Advance(TimeSpan.FromMinutes(2));

        // Act
        _limits = new TokenLogLimits(Floor: 4, Chunk: 8);
        await RestartAsync();

        // Assert: one row per live token
        Assert.Equal(2, await CountLogRowsAsync());
        Assert.Equal([live, kicked with { Status = TokenStatus.Kicked }], await Store.GetUserTokensAsync("u1", Ct));
        _limits = TokenLogLimits.Default;
        await RestartAsync();
        Assert.Equal([live, kicked with { Status = TokenStatus.Kicked }], await Store.GetUserTokensAsync("u1", Ct));
        Assert.Empty(await Store.GetUserTokensAsync("u2", Ct));
    }

    /// <summary>User "churn" logs in and out <paramref name="times"/> times: two rows each, none live at the end.</summary>
    private async Task<List<StoredToken>> LogInAndOutAsync(int times)
    {
        var tokens = new List<StoredToken>();
        for (var i = 0; i < times; i++)
        {
            var token = Token("churn", Platforms.Ios, 10 + i);
            tokens.Add(token);
            await Store.ApplyAsync(Add(token), Ct);
            await Store.ApplyAsync(new TokenStateChange("churn", null, [], [token]), Ct);
        }
        return tokens;
    }

    [Fact]
    public async Task Compaction_CarriesForwardTheLastState_OfTokensChangedBetweenCompactions()
    {
        // Arrange: small limits; a token kicked after compactions began, one removed and stored again
        _limits = new TokenLogLimits(Floor: 4, Chunk: 8);
        await RestartAsync();
        var kickedLater = Token("u1", Platforms.Ios, 0);
        var storedAgain = Token("u1", Platforms.Android, 1);
        await Store.ApplyAsync(Add(kickedLater), Ct);
        await Store.ApplyAsync(Add(storedAgain), Ct);
        await LogInAndOutAsync(30);

        // Act: change both between rounds of churn, each round compacting the log several times
        await Store.ApplyAsync(new TokenStateChange("u1", null, [kickedLater], []), Ct);
        await Store.ApplyAsync(new TokenStateChange("u1", null, [], [storedAgain]), Ct);
        await LogInAndOutAsync(30);
        await Store.ApplyAsync(Add(storedAgain), Ct);
        await LogInAndOutAsync(30);

        // Assert: the log stays bounded and replays to the last state of each
        Assert.InRange(await CountLogRowsAsync(), 2, 2 * 2 + 4 + 8);
        _limits = TokenLogLimits.Default;
        await RestartAsync();
        Assert.Equal([kickedLater with { Status = TokenStatus.Kicked }, storedAgain], await Store.GetUserTokensAsync("u1", Ct));
    }

    [Fact]
    public async Task Compaction_KeepsEveryLiveToken_AfterABatchWasRolledBack()
    {
        // Arrange: small limits, and a batch rolled back by its refused write, its other writes then committed alone
        _limits = new TokenLogLimits(Floor: 4, Chunk: 8);
        await RestartAsync();
        var first = Token("u1", Platforms.Ios, 0);
        var second = Token("u1", Platforms.Android, 1);
        var refused = Token("u1", Platforms.Web, 2) with { Token = null! };
        Task<bool> before, failing, after;
        using (await HoldWriterAsync())
        {
            before = Store.ApplyAsync(Add(first), Ct);
            failing = Store.ApplyAsync(Add(refused), Ct);
            after = Store.ApplyAsync(Add(second), Ct);
        }
        Assert.True(await before);
        await Assert.ThrowsAsync<SqliteException>(() => failing);
        Assert.True(await after);

        // Act: churn that compacts the log many times, each time deciding from what the rolled-back batch left
        var churned = await LogInAndOutAsync(100);

        // Assert
        Assert.InRange(await CountLogRowsAsync(), 2, 2 * 2 + 4 + 8);
        _limits = TokenLogLimits.Default;
        await RestartAsync();
        Assert.Equal([first, second], await Store.GetUserTokensAsync("u1", Ct));
        Assert.Null(await Store.GetStatusAsync("churn", Platforms.Ios, churned[^1].Token, Ct));
    }
}
