using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// What every <see cref="IUserStore"/> backend must do. A backend's test class derives from this one and supplies a
/// fresh store per test; the tests themselves run unchanged on every backend.
/// </summary>
public abstract partial class UserStoreContractTests : StoreContractTests<IUserStore>
{

    [Fact]
    public async Task Find_ReturnsNull_WhenNotRegistered()
    {
        // Act
        var user = await Store.FindAsync("nobody", Ct);

        // Assert
        Assert.Null(user);
    }

    [Fact]
    public async Task Register_StoresEveryField_OfEveryUser()
    {
        // Arrange
        var u1 = User("u1", "Nick One", level: 1) with { FaceUrl = "https://f/1.png", Extra = "{\"k\":1}", GlobalRecvMsgOpt = 2 };
        var u2 = User("u2", "张三 <&>", level: 0);

        // Act
        var existing = await Store.RegisterAsync([u1, u2], Ct);

        // Assert
        Assert.Null(existing);
        Assert.Equal(u1, await Store.FindAsync("u1", Ct));
        Assert.Equal(u2, await Store.FindAsync("u2", Ct));
    }

    [Fact]
    public async Task Register_ReturnsExistingIdAndStoresNone_WhenOneIsAlreadyRegistered()
    {
        // Arrange
        var original = User("u2", "original");
        await Store.RegisterAsync([original], Ct);

        // Act
        var existing = await Store.RegisterAsync([User("u1", "new"), User("u2", "replacement"), User("u3", "new")], Ct);

        // Assert
        Assert.Equal("u2", existing);
        Assert.Null(await Store.FindAsync("u1", Ct));
        Assert.Null(await Store.FindAsync("u3", Ct));
        Assert.Equal(original, await Store.FindAsync("u2", Ct));
        Assert.Equal(1, (await Store.ListIdsAsync(0, 10, Ct)).Total);
    }

    [Fact]
    public async Task Register_LetsExactlyOneWin_WhenRegistrationsOfOneIdRace()
    {
        // Arrange: each request registers the shared ID plus an ID of its own
        var requests = Enumerable.Range(0, 20)
            .Select(i => new[] { User("own" + i, "n" + i), User("shared", "n" + i) })
            .ToArray();

        // Act
        var results = await Task.WhenAll(requests.Select(r => Task.Run(() => Store.RegisterAsync(r, Ct), Ct)));

        // Assert: the winner stored both of its users, every loser stored nothing
        var winner = Assert.Single(Enumerable.Range(0, 20), i => results[i] is null);
        Assert.All(results.Where(r => r is not null), r => Assert.Equal("shared", r));
        Assert.Equal(requests[winner][1], await Store.FindAsync("shared", Ct));
        Assert.Equal(["own" + winner, "shared"], (await Store.ListIdsAsync(0, 100, Ct)).Items);
    }

    [Fact]
    public async Task EnsureRegistered_AddsMissingUsers_AndLeavesExistingUntouched()
    {
        // Arrange
        var existing = User("imAdmin", "renamed by the admin", level: 2) with { FaceUrl = "face" };
        await Store.RegisterAsync([existing], Ct);
        var missing = User("openIMAdmin", "system3", level: 2);

        // Act
        await Store.EnsureRegisteredAsync([User("imAdmin", "imAdmin", level: 2), missing], Ct);

        // Assert
        Assert.Equal(existing, await Store.FindAsync("imAdmin", Ct));
        Assert.Equal(missing, await Store.FindAsync("openIMAdmin", Ct));
    }

    [Fact]
    public async Task Update_KeepsFields_WhenValuesAreNull()
    {
        // Arrange
        var user = User("u1", "nick") with { FaceUrl = "face", Extra = "ex", GlobalRecvMsgOpt = 1 };
        await Store.RegisterAsync([user], Ct);

        // Act
        var found = await Store.UpdateAsync("u1", new UserUpdate("new nick", null, null, null), Ct);

        // Assert
        Assert.True(found);
        Assert.Equal(user with { Nickname = "new nick" }, await Store.FindAsync("u1", Ct));
    }

    [Fact]
    public async Task Update_ClearsFields_WhenValuesAreEmpty()
    {
        // Arrange
        var user = User("u1", "nick") with { FaceUrl = "face", Extra = "ex", GlobalRecvMsgOpt = 1 };
        await Store.RegisterAsync([user], Ct);

        // Act
        var found = await Store.UpdateAsync("u1", new UserUpdate("", "", "", 0), Ct);

        // Assert
        Assert.True(found);
        Assert.Equal(user with { Nickname = "", FaceUrl = "", Extra = "", GlobalRecvMsgOpt = 0 }, await Store.FindAsync("u1", Ct));
    }

    [Fact]
    public async Task Update_ReturnsFalseAndCreatesNothing_WhenUserMissing()
    {
        // Act
        var found = await Store.UpdateAsync("nobody", new UserUpdate("nick", "face", "ex", 1), Ct);

        // Assert
        Assert.False(found);
        Assert.Null(await Store.FindAsync("nobody", Ct));
    }

    [Fact]
    public async Task FindMany_ReturnsRegisteredUsersInAskedOrder_WithoutDuplicates()
    {
        // Arrange
        await Store.RegisterAsync([User("a", "A"), User("b", "B"), User("c", "C")], Ct);

        // Act
        var found = await Store.FindManyAsync(["c", "missing", "a", "c", "b", "a"], Ct);

        // Assert
        Assert.Equal(["c", "a", "b"], found.Select(u => u.UserId));
    }

    [Fact]
    public async Task FindMany_ReturnsEmpty_WhenNoneRegistered()
    {
        // Act
        var found = await Store.FindManyAsync(["x", "y"], Ct);

        // Assert
        Assert.Empty(found);
    }

    [Fact]
    public async Task Reopen_KeepsRegisteredAndUpdatedUsers()
    {
        // Arrange
        var u1 = User("u1", "one");
        var u2 = User("u2", "two", level: 3);
        await Store.RegisterAsync([u1, u2], Ct);
        await Store.UpdateAsync("u1", new UserUpdate("renamed", "face", null, 2), Ct);

        // Act
        await RestartAsync();

        // Assert
        Assert.Equal(u1 with { Nickname = "renamed", FaceUrl = "face", GlobalRecvMsgOpt = 2 }, await Store.FindAsync("u1", Ct));
        Assert.Equal(u2, await Store.FindAsync("u2", Ct));
        Assert.Equal(["u1", "u2"], (await Store.ListIdsAsync(0, 10, Ct)).Items);
    }

    /// <summary>A user as user_register stores it; create times differ per user so that a mix-up shows.</summary>
    protected static UserRecord User(string userId, string nickname, int level = 1) =>
        new(userId, nickname, "", "", level, 0, 1_700_000_000_000 + userId.Length * 1000L + nickname.Length);
}
