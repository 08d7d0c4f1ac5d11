using OpenImAuth.Core.Tests.TestSupport;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Core.Tests.Storage;

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
}
