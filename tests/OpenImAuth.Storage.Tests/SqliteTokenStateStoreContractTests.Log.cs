using Microsoft.Data.Sqlite;
using OpenImAuth.Tests.Shared;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>The embedded store's token log: replay, migration from version 1, compaction, and the writer's view.</summary>
public sealed partial class SqliteTokenStateStoreContractTests
{
    [Fact]
    public async Task Reopen_ReplaysTheLastStateOfEachToken()
    {
        // Arrange: one token kicked, one removed, one kicked, removed and stored again, one kicked by platform
        var kicked = Token("u1", Platforms.Ios, 100);
        var removed = Token("u1", Platforms.Android, 110);
        var storedAgain = Token("u1", Platforms.Web, 120);
        var platformKicked = Token("u1", Platforms.Windows, 130);
        foreach (var token in new[] { kicked, removed, storedAgain, platformKicked })
        {
            await Store.ApplyAsync(Add(token), Ct);
        }
        await Store.ApplyAsync(new TokenStateChange("u1", null, [kicked, storedAgain], [removed]), Ct);
        await Store.ApplyAsync(new TokenStateChange("u1", null, [], [storedAgain]), Ct);
        await Store.ApplyAsync(Add(storedAgain), Ct);
        await Store.KickPlatformAsync("u1", Platforms.Windows, Ct);
        var before = await Store.GetUserTokensAsync("u1", Ct);

        // Act
        await RestartAsync();

        // Assert
        StoredToken[] expected = [kicked with { Status = TokenStatus.Kicked }, storedAgain, platformKicked with { Status = TokenStatus.Kicked }];
        Assert.Equal(expected, before);
        Assert.Equal(expected, await Store.GetUserTokensAsync("u1", Ct));
        Assert.Null(await Store.GetStatusAsync("u1", Platforms.Android, removed.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u1", Platforms.Web, storedAgain.Token, Ct));
    }

    [Fact]
    public async Task Open_MovesAVersion1TokensTable_IntoTheLog()
    {
        // Arrange: a file as version 1 left it, with a user, a normal, a kicked and an expired token
        var normal = Token("u1", Platforms.Ios, 110);
        var kicked = Token("u1", Platforms.Android, 100) with { Status = TokenStatus.Kicked };
        var expired = Token("u2", Platforms.Ios, 0) with { ExpiresAt = Time.GetUtcNow().ToUnixTimeSeconds() - 1 };
        await using var v1 = new SqliteTestDatabase();
        await using (var connection = await OpenFileAsync(v1.DirectoryPath, SqliteOpenMode.ReadWriteCreate))
        {
            await ExecuteAsync(connection, """
                CREATE TABLE users (user_id TEXT NOT NULL PRIMARY KEY, nickname TEXT NOT NULL, face_url TEXT NOT NULL,
                    ex TEXT NOT NULL, app_manger_level INTEGER NOT NULL, global_recv_msg_opt INTEGER NOT NULL,
                    create_time INTEGER NOT NULL);
                CREATE TABLE tokens (token TEXT NOT NULL PRIMARY KEY, user_id TEXT NOT NULL, platform_id INTEGER NOT NULL,
                    status INTEGER NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
                CREATE INDEX tokens_by_user ON tokens (user_id, platform_id);
                PRAGMA user_version = 1;
                INSERT INTO users VALUES ('u1', 'Alice', '', '', 1, 0, 1700000000000);
                """);
            foreach (var token in new[] { kicked, normal, expired })
            {
                await ExecuteAsync(connection, "INSERT INTO tokens VALUES ($1, $2, $3, $4, $5, $6)",
                    token.Token, token.UserId, token.PlatformId, token.Status, token.IssuedAt, token.ExpiresAt);
            }
        }

        // Act
        var store = await SqliteTokenStateStore.OpenAsync(await v1.OpenAsync(), Time, Ct);

        // Assert
        Assert.Equal([kicked, normal], await store.GetUserTokensAsync("u1", Ct));
        Assert.Null(await store.GetStatusAsync("u2", Platforms.Ios, expired.Token, Ct));
        await using var file = await OpenFileAsync(v1.DirectoryPath, SqliteOpenMode.ReadOnly);
        Assert.Equal(3L, await ScalarAsync(file, "PRAGMA user_version"));
        Assert.Equal(0L, await ScalarAsync(file, "SELECT count(*) FROM sqlite_master WHERE name IN ('tokens', 'tokens_by_user')"));
        Assert.Equal(3L, await ScalarAsync(file, "SELECT count(*) FROM token_log"));
        Assert.Equal("Alice", await ScalarAsync(file, "SELECT nickname FROM users WHERE user_id = 'u1'"));
    }

    [Fact]
    public async Task Apply_RefusesTheSecondOfTwoChangesFromOneBasis_WhenBothAreInOneBatch()
    {
        // Arrange
        var first = Token("u1", Platforms.Ios, 0);
        await Store.ApplyAsync(Add(first), Ct);
        var basis = await Store.GetUserTokensAsync("u1", Ct);
        var android = Token("u1", Platforms.Android, 1);
        var web = Token("u1", Platforms.Web, 2);

        // Act
        Task<bool> applyAndroid, applyWeb;
        using (await HoldWriterAsync())
        {
            applyAndroid = Store.ApplyAsync(new TokenStateChange("u1", android, [], [], basis), Ct);
            applyWeb = Store.ApplyAsync(new TokenStateChange("u1", web, [], [], basis), Ct);
        }
        var applied = await Task.WhenAll(applyAndroid, applyWeb);

        // Assert
        Assert.Equal([true, false], applied);
        Assert.Equal([first, android], await Store.GetUserTokensAsync("u1", Ct));
        await RestartAsync();
        Assert.Equal([first, android], await Store.GetUserTokensAsync("u1", Ct));
    }

    [Fact]
    public async Task KickPlatform_KicksATokenAddedEarlierInTheSameBatch()
    {
        // Arrange
        var token = Token("u1", Platforms.Ios, 0);

        // Act
        Task<bool> add;
        Task<IReadOnlyList<StoredToken>> kick;
        using (await HoldWriterAsync())
        {
            add = Store.ApplyAsync(Add(token), Ct);
            kick = Store.KickPlatformAsync("u1", Platforms.Ios, Ct);
        }

        // Assert
        Assert.True(await add);
        Assert.Equal([token with { Status = TokenStatus.Kicked }], await kick);
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("u1", Platforms.Ios, token.Token, Ct));
    }

    [Fact]
    public async Task Apply_LeavesNoTraceOfAFailedWrite_InTheRestOfItsBatch()
    {
        // Arrange: a write that kicks the first token and then stores a token the database refuses (NOT NULL)
        var first = Token("u1", Platforms.Ios, 0);
        await Store.ApplyAsync(Add(first), Ct);
        var second = Token("u1", Platforms.Android, 1);
        var third = Token("u1", Platforms.Web, 2);
        var refused = Token("u1", Platforms.Windows, 3) with { Token = null! };

        // Act
        Task<bool> before, failing, after;
        using (await HoldWriterAsync())
        {
            before = Store.ApplyAsync(new TokenStateChange("u1", second, [], [], [first]), Ct);
            failing = Store.ApplyAsync(new TokenStateChange("u1", refused, [first], []), Ct);
            after = Store.ApplyAsync(new TokenStateChange("u1", third, [], [], [first, second]), Ct);
        }

        // Assert: each neighbour saw exactly the committed writes before it, and the failed kick never happened
        Assert.True(await before);
        Assert.Equal(19, (await Assert.ThrowsAsync<SqliteException>(() => failing)).SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.True(await after);
        Assert.Equal([first, second, third], await Store.GetUserTokensAsync("u1", Ct));
        await RestartAsync();
        Assert.Equal([first, second, third], await Store.GetUserTokensAsync("u1", Ct));
    }

    /// <summary>
    /// Keeps the writer busy inside a write until disposed, so that every write queued meanwhile goes into the one
    /// batch that follows, in queue order.
    /// </summary>
    private async Task<IDisposable> HoldWriterAsync()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = _opened!.Writer.WriteAsync(_ =>
        {
            entered.SetResult();
            release.Task.Wait(Ct);
            return 0;
        });
        await entered.Task;
        return new WriterHold(release);
    }

    private sealed class WriterHold(TaskCompletionSource release) : IDisposable
    {
        public void Dispose() => release.TrySetResult();
    }

    private async Task<int> CountLogRowsAsync()
    {
        await using var file = await OpenFileAsync(_database.DirectoryPath, SqliteOpenMode.ReadOnly);
        return (int)(long)(await ScalarAsync(file, "SELECT count(*) FROM token_log"))!;
    }

    private static async Task<SqliteConnection> OpenFileAsync(string directory, SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, SqliteDatabase.FileName),
            Mode = mode,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, params object[] values)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (i + 1), values[i]);
        }
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }
}
