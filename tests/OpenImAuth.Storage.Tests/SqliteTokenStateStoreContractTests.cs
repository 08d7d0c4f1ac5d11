using OpenImAuth.Tests.Shared;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>The token store contract on the embedded database, plus what is particular to it.</summary>
public sealed partial class SqliteTokenStateStoreContractTests : TokenStateStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();
    private TimeProvider _time = TimeProvider.System;
    private TokenLogLimits _limits = TokenLogLimits.Default;
    private SqliteDatabase? _opened;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override Task<ITokenStateStore> CreateStoreAsync(TimeProvider time)
    {
        _time = time;
        return ReopenStoreAsync();
    }

    protected override async Task<ITokenStateStore> ReopenStoreAsync()
    {
        _opened = await _database.OpenAsync();
        return await SqliteTokenStateStore.OpenAsync(_opened, _time, _limits, Ct);
    }

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Open_ForgetsExpiredTokens_AndKeepsLiveOnes()
    {
        // Arrange: one token expires a day before the other
        var older = Token("u1", Platforms.Ios, 0);
        var newer = Token("u1", Platforms.Android, 86400);
        await Store.ApplyAsync(Add(older), Ct);
        await Store.ApplyAsync(Add(newer), Ct);
        Time.Advance(TimeSpan.FromDays(90));

        // Act
        await RestartAsync();

        // Assert
        Assert.Null(await Store.GetStatusAsync("u1", Platforms.Ios, older.Token, Ct));
        Assert.Equal([newer], await Store.GetUserTokensAsync("u1", Ct));
    }

    [Fact]
    public async Task ForgetExpired_ForgetsTheExpiredTokensOnly_WithoutARestart()
    {
        // Arrange: u1 has a token that expires a day before its other one; u2 has only one, as old as u1's first
        var older = Token("u1", Platforms.Ios, 0);
        var newer = Token("u1", Platforms.Android, 86400);
        var alone = Token("u2", Platforms.Web, 0);
        await Store.ApplyAsync(Add(older), Ct);
        await Store.ApplyAsync(Add(newer), Ct);
        await Store.ApplyAsync(Add(alone), Ct);
        Time.Advance(TimeSpan.FromDays(90));

        // Act
        var forgotten = await Store.ForgetExpiredAsync(Ct);
        var again = await Store.ForgetExpiredAsync(Ct);

        // Assert: gone from memory at once, and a restart (which drops expired tokens anyway) keeps it so
        Assert.Equal((2, 0), (forgotten, again));
        Assert.Null(await Store.GetStatusAsync("u1", Platforms.Ios, older.Token, Ct));
        Assert.Equal([newer], await Store.GetUserTokensAsync("u1", Ct));
        Assert.Empty(await Store.GetUserTokensAsync("u2", Ct));
        await RestartAsync();
        Assert.Equal([newer], await Store.GetUserTokensAsync("u1", Ct));
    }
}
