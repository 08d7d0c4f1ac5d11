using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;
using static OpenImAuth.Storage.Tests.SqliteTokenParts;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The embedded store's durable log on a real file: what a write appends replays to the same tokens memory holds,
/// a rolled-back transaction leaves no row in the file or the log's account, and compaction keeps every live token.
/// </summary>
public sealed class TokenLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_ThenReplay_GivesTheLastStateOfEachToken_AsMemoryHoldsIt()
    {
        // Arrange
        await using var parts = await OpenAsync();
        var kicked = Token("a", "u1", 1, 100);
        var removed = Token("b", "u1", 2, 101);
        var other = Token("c", "u2", 1, 102);

        // Act
        await parts.WriteAsync(() => Append(parts, kicked, removed, other));
        await parts.WriteAsync(() => Append(parts, kicked with { Status = TokenStatus.Kicked }, removed with { Status = TokenLog.Tombstone }));
        var replayed = await parts.ReplayAsync();

        // Assert
        Assert.Equal([kicked with { Status = TokenStatus.Kicked }], replayed.ToStored("u1"));
        Assert.Equal([other], replayed.ToStored("u2"));
        Assert.Equal(parts.Mirror.Get("u1").Select(t => t.Seq), replayed.Get("u1").Select(t => t.Seq));
        Assert.Equal(5, await CountRowsAsync(parts));
    }

    [Fact]
    public async Task Replay_LeavesOutTheTokensExpiredByNow()
    {
        // Arrange
        await using var parts = await OpenAsync();
        var live = Token("a", "u1", 1, 100);
        var expired = Token("b", "u1", 2, 101) with { ExpiresAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1 };
        await parts.WriteAsync(() => Append(parts, live, expired));

        // Act
        var replayed = await parts.ReplayAsync();

        // Assert
        Assert.Equal([live], replayed.ToStored("u1"));
    }

    [Fact]
    public async Task ARolledBackWrite_LeavesNoRow_InTheFileOrTheAccount()
    {
        // Arrange: no floor, so that any row the account counted for no live token would put the log over its limit
        await using var parts = await OpenAsync(new TokenLogLimits(Floor: 0, Chunk: 2));

        // Act
        var failing = parts.WriteAsync(() =>
        {
            Append(parts, Token("a", "u1", 1, 100), Token("b", "u1", 2, 101), Token("c", "u1", 3, 102));
            throw new InvalidOperationException("refused");
        });

        // Assert
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.False(parts.Log.IsOverLimit);
        Assert.False(parts.CompactionDue);
        Assert.Equal(0, await CountRowsAsync(parts));
        Assert.Equal(0, parts.Mirror.Count);
    }

    [Fact]
    public async Task EndTransaction_MakesCompactionDue_OnceTheCommittedLogOutgrowsItsLimit()
    {
        // Arrange: 1 live token allows 2 × 1 + 3 rows
        await using var parts = await OpenAsync(new TokenLogLimits(Floor: 3, Chunk: 2));
        var churn = Token("x", "u2", 1, 100);
        var gone = churn with { Status = TokenLog.Tombstone };
        await parts.WriteAsync(() => Append(parts, Token("a", "u1", 1, 100), churn, gone));
        Assert.False(parts.CompactionDue);

        // Act
        await parts.WriteAsync(() => Append(parts, churn, gone, churn, gone));

        // Assert
        Assert.True(parts.CompactionDue);
        Assert.True(parts.Log.IsOverLimit);
    }

    [Fact]
    public async Task CompactOldest_CarriesForwardTheLiveTokens_AndDeletesTheOldestChunk()
    {
        // Arrange: a live token first, then two tokens stored and removed
        await using var parts = await OpenAsync(new TokenLogLimits(Floor: 0, Chunk: 4));
        var live = Token("a", "u1", 1, 100);
        var x = Token("x", "u2", 1, 101);
        var y = Token("y", "u2", 1, 102);
        await parts.WriteAsync(() => Append(parts, live, x, x with { Status = TokenLog.Tombstone }));
        await parts.WriteAsync(() => Append(parts, y, y with { Status = TokenLog.Tombstone }));

        // Act
        var moved = await parts.Database.Writer.WriteAsync(_ => parts.Log.CompactOldest(parts.Overlay), parts.Mirror.MoveRows);

        // Assert: rows 1 to 4 gone, the live token's state appended afresh at 6, y's tombstone (5) kept
        Assert.Equal([new TokenLog.Moved("u1", From: 1, To: 6)], moved);
        Assert.Equal(2, await CountRowsAsync(parts));
        var replayed = await parts.ReplayAsync();
        Assert.Equal([live], replayed.ToStored("u1"));
        Assert.Equal([6L], parts.Mirror.Get("u1").Select(t => t.Seq));
        Assert.Equal([6L], replayed.Get("u1").Select(t => t.Seq));
    }

    [Fact]
    public async Task CompactOldest_KeepsTheNewerState_OfATokenTheSameTransactionChanged()
    {
        // Arrange
        await using var parts = await OpenAsync(new TokenLogLimits(Floor: 0, Chunk: 4));
        var token = Token("a", "u1", 1, 100);
        await parts.WriteAsync(() => Append(parts, token));

        // Act: one transaction kicks the token, then compacts its committed row away
        List<TokenLog.Moved>? moved = null;
        await parts.WriteAsync(() =>
        {
            var rows = parts.Overlay.KickToken("u1", 1, "a");
            moved = parts.Log.CompactOldest(parts.Overlay);
            return rows;
        });

        // Assert: its committed (normal) state is not carried forward over the kick
        Assert.Empty(moved!);
        Assert.Equal(1, await CountRowsAsync(parts));
        Assert.Equal([token with { Status = TokenStatus.Kicked }], (await parts.ReplayAsync()).ToStored("u1"));
    }

    [Fact]
    public async Task Rewrite_LeavesOneRowPerLiveToken()
    {
        // Arrange
        await using var parts = await OpenAsync();
        var first = Token("a", "u1", 1, 100);
        var second = Token("b", "u2", 1, 101);
        await parts.WriteAsync(() => Append(parts, first, second, first with { Status = TokenStatus.Kicked }));
        await parts.WriteAsync(() => Append(parts, Token("x", "u3", 1, 102), Token("x", "u3", 1, 102) with { Status = TokenLog.Tombstone }));

        // Act
        await parts.Database.Writer.WriteAsync(_ => parts.Log.Rewrite(), parts.Mirror.MoveRows);

        // Assert
        Assert.Equal(2, await CountRowsAsync(parts));
        var replayed = await parts.ReplayAsync();
        Assert.Equal([first with { Status = TokenStatus.Kicked }], replayed.ToStored("u1"));
        Assert.Equal([second], replayed.ToStored("u2"));
        Assert.Empty(replayed.ToStored("u3"));
        Assert.Equal(parts.Mirror.Get("u2").Select(t => t.Seq), replayed.Get("u2").Select(t => t.Seq));
    }

    private static List<TokenLog.Appended> Append(SqliteTokenParts parts, params StoredToken[] tokens)
    {
        var rows = new List<TokenLog.Appended>();
        foreach (var token in tokens)
        {
            parts.Log.Append(rows, token);
        }
        return rows;
    }

    private static async Task<long> CountRowsAsync(SqliteTokenParts parts)
    {
        await using var connection = await parts.Database.OpenReaderAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM token_log";
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
