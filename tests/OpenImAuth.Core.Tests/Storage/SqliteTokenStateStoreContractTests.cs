using OpenImAuth.Core.Tests.TestSupport;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Core.Tests.Storage;

/// <summary>The token store contract on the embedded database, plus what is particular to it.</summary>
public sealed class SqliteTokenStateStoreContractTests : TokenStateStoreContractTests
{
    private readonly SqliteTestDatabase _database = new();
    private TimeProvider _time = TimeProvider.System;

    protected override async Task<ITokenStateStore> CreateStoreAsync(TimeProvider time)
    {
        _time = time;
        return await SqliteTokenStateStore.OpenAsync(await _database.OpenAsync(), time, TestContext.Current.CancellationToken);
    }

    protected override async Task<ITokenStateStore> ReopenStoreAsync() =>
        await SqliteTokenStateStore.OpenAsync(await _database.OpenAsync(), _time, TestContext.Current.CancellationToken);

    protected override ValueTask DisposeStoreAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Open_ForgetsExpiredTokens_AndKeepsLiveOnes()
    {
        // Arrange: one token expires a day before the other
        var ct = TestContext.Current.CancellationToken;
        var older = Token("u1", Platforms.Ios, 0);
        var newer = Token("u1", Platforms.Android, 86400);
        await Store.ApplyAsync(Add(older), ct);
        await Store.ApplyAsync(Add(newer), ct);
        Time.Advance(TimeSpan.FromDays(90));

        // Act
        await RestartAsync();

        // Assert
        Assert.Null(await Store.GetStatusAsync("u1", Platforms.Ios, older.Token, ct));
        Assert.Equal([newer], await Store.GetUserTokensAsync("u1", ct));
    }
}
