using OpenImAuth.Core.Audit;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// What every <see cref="IAuditStore"/> backend must do. A backend's test class derives from this one and supplies a
/// fresh store per test; the tests themselves run unchanged on every backend.
/// </summary>
public abstract class AuditStoreContractTests : StoreContractTests<IAuditStore>
{
    private static readonly AuditQuery All = new(null, null, null, null);

    [Fact]
    public async Task Append_KeepsEveryField_AcrossARestart()
    {
        // Arrange
        var entry = new AuditEntry(1_700_000_000_123, "user_token", "op-1", "secret", "张三 <&>", 5, "10.0.0.1", 1004, "user not registered");

        // Act
        await Store.AppendAsync([entry], Ct);
        await RestartAsync();
        var page = await Store.SearchAsync(All, 0, 10, Ct);

        // Assert
        Assert.Equal(1, page.Total);
        Assert.Equal(entry, Assert.Single(page.Entries));
    }

    [Fact]
    public async Task Search_ReturnsNewestFirst_AppendOrderBreakingTies()
    {
        // Arrange: times out of order across batches, two entries of one millisecond.
        await Store.AppendAsync([Entry(20, "a"), Entry(10, "b")], Ct);
        await Store.AppendAsync([Entry(30, "c"), Entry(20, "d")], Ct);

        // Act
        var page = await Store.SearchAsync(All, 0, 10, Ct);

        // Assert
        Assert.Equal(["c", "d", "a", "b"], page.Entries.Select(e => e.UserId));
    }

    [Fact]
    public async Task Search_FiltersByUserActionAndInclusiveTimeRange()
    {
        // Arrange
        await Store.AppendAsync(
        [
            Entry(100, "alice"), Entry(200, "alice", "force_logout"), Entry(300, "alice"), Entry(400, "alice"),
            Entry(200, "bob"), Entry(300, "alice-2"),
        ], Ct);

        // Act
        var byUser = await Store.SearchAsync(new AuditQuery("alice", null, null, null), 0, 10, Ct);
        var byAction = await Store.SearchAsync(new AuditQuery(null, "force_logout", null, null), 0, 10, Ct);
        var byRange = await Store.SearchAsync(new AuditQuery("alice", "user_token", 100, 300), 0, 10, Ct);

        // Assert
        Assert.Equal(4, byUser.Total);
        Assert.All(byUser.Entries, e => Assert.Equal("alice", e.UserId));
        Assert.Equal(200, Assert.Single(byAction.Entries).Time);
        Assert.Equal([300L, 100L], byRange.Entries.Select(e => e.Time));
        Assert.Equal(2, byRange.Total);
    }

    [Fact]
    public async Task Search_PagesWithTheTotalOfAllMatches()
    {
        // Arrange
        await Store.AppendAsync(Enumerable.Range(1, 7).Select(i => Entry(i, $"u{i}")).ToList(), Ct);

        // Act
        var second = await Store.SearchAsync(All, 3, 3, Ct);
        var beyond = await Store.SearchAsync(All, 9, 3, Ct);

        // Assert
        Assert.Equal(7, second.Total);
        Assert.Equal(["u4", "u3", "u2"], second.Entries.Select(e => e.UserId));
        Assert.Equal(7, beyond.Total);
        Assert.Empty(beyond.Entries);
    }

    [Fact]
    public async Task Search_MatchesNothing_ForAnUnknownUserOrText()
    {
        // Arrange
        await Store.AppendAsync([Entry(1, "alice")], Ct);

        // Act
        var unknown = await Store.SearchAsync(new AuditQuery("nobody", null, null, null), 0, 10, Ct);
        var nul = await Store.SearchAsync(new AuditQuery("alice\0", null, null, null), 0, 10, Ct);

        // Assert
        Assert.Equal(0, unknown.Total);
        Assert.Empty(unknown.Entries);
        Assert.Equal(0, nul.Total);
    }

    [Fact]
    public async Task Prune_DeletesOnlyEntriesBeforeTheTime()
    {
        // Arrange
        await Store.AppendAsync([Entry(99, "old"), Entry(100, "edge"), Entry(101, "new")], Ct);

        // Act
        var pruned = await Store.PruneAsync(100, Ct);
        var page = await Store.SearchAsync(All, 0, 10, Ct);

        // Assert
        Assert.Equal(1, pruned);
        Assert.Equal(["new", "edge"], page.Entries.Select(e => e.UserId));
    }

    private static AuditEntry Entry(long time, string userId, string action = "user_token") =>
        new(time, action, "op", "secret", userId, 1, "127.0.0.1", 0, "");
}
