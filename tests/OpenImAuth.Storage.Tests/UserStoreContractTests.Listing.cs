using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Tests;

/// <summary>Listing: registration order, paging, totals and filters.</summary>
public abstract partial class UserStoreContractTests
{
    private static readonly UserFilter NoFilter = new(null, null, OrdinaryUsersOnly: false);

    [Fact]
    public async Task List_ReturnsPageInRegistrationOrder_WithTotalOfAll()
    {
        // Arrange
        await RegisterEachAsync("u5", "u1", "u4", "u2", "u3");

        // Act
        var page = await Store.ListAsync(NoFilter, 1, 3, Ct);

        // Assert
        Assert.Equal(5, page.Total);
        Assert.Equal(["u1", "u4", "u2"], page.Items.Select(u => u.UserId));
    }

    [Theory]
    [InlineData(4, 3, new[] { "e" })]
    [InlineData(5, 3, new string[0])]
    [InlineData(9, 3, new string[0])]
    [InlineData(0, 0, new string[0])]
    [InlineData(0, 100, new[] { "a", "b", "c", "d", "e" })]
    public async Task List_KeepsTotal_WhenPageIsShortOrEmpty(int skip, int take, string[] expected)
    {
        // Arrange
        await RegisterEachAsync("a", "b", "c", "d", "e");

        // Act
        var page = await Store.ListAsync(NoFilter, skip, take, Ct);

        // Assert
        Assert.Equal(5, page.Total);
        Assert.Equal(expected, page.Items.Select(u => u.UserId));
    }

    [Fact]
    public async Task List_MatchesUserIdSubstring_CaseInsensitively()
    {
        // Arrange
        await Store.RegisterAsync([User("AliceX", "n1"), User("bob", "alice"), User("xALICE", "n3"), User("al", "n4")], Ct);

        // Act
        var page = await Store.ListAsync(new UserFilter("aLiCe", null, false), 0, 10, Ct);

        // Assert
        Assert.Equal(2, page.Total);
        Assert.Equal(["AliceX", "xALICE"], page.Items.Select(u => u.UserId));
    }

    [Fact]
    public async Task List_MatchesNicknameSubstring_CaseInsensitively()
    {
        // Arrange
        await Store.RegisterAsync([User("u1", "The Walrus"), User("walrus", "n2"), User("u3", "WALRUSES")], Ct);

        // Act
        var page = await Store.ListAsync(new UserFilter(null, "walrus", false), 0, 10, Ct);

        // Assert
        Assert.Equal(2, page.Total);
        Assert.Equal(["u1", "u3"], page.Items.Select(u => u.UserId));
    }

    [Fact]
    public async Task List_MatchesNonAsciiLetters_CaseInsensitively()
    {
        // Arrange: OpenIM's MySQL collation and MongoDB's /i regex both fold non-ASCII letters
        await Store.RegisterAsync([User("ÄrZTE", "n1"), User("u2", "L'École"), User("u3", "ecole")], Ct);

        // Act
        var byId = await Store.ListAsync(new UserFilter("äRzt", null, false), 0, 10, Ct);
        var byNickname = await Store.ListAsync(new UserFilter(null, "éCOLE", false), 0, 10, Ct);

        // Assert
        Assert.Equal(["ÄrZTE"], byId.Items.Select(u => u.UserId));
        Assert.Equal(["u2"], byNickname.Items.Select(u => u.UserId));
    }

    [Fact]
    public async Task List_MatchesEitherFilter_WhenBothAreSet()
    {
        // Arrange
        await Store.RegisterAsync([User("red1", "plain"), User("u2", "Blue"), User("u3", "green"), User("RED4", "blue")], Ct);

        // Act
        var page = await Store.ListAsync(new UserFilter("red", "BLUE", false), 0, 10, Ct);

        // Assert
        Assert.Equal(3, page.Total);
        Assert.Equal(["red1", "u2", "RED4"], page.Items.Select(u => u.UserId));
    }

    [Theory]
    [InlineData("_", new[] { "a_b" })]
    [InlineData("%", new[] { "c%d" })]
    [InlineData(".", new[] { "e.f" })]
    public async Task List_TreatsFilterCharactersLiterally_NotAsPatterns(string contains, string[] expected)
    {
        // Arrange
        await Store.RegisterAsync([User("a_b", "n"), User("axb", "n"), User("c%d", "n"), User("cd", "n"), User("e.f", "n")], Ct);

        // Act
        var page = await Store.ListAsync(new UserFilter(contains, null, false), 0, 10, Ct);

        // Assert
        Assert.Equal(expected, page.Items.Select(u => u.UserId));
    }

    [Fact]
    public async Task List_ExcludesAppManagerLevels2To4_WhenOrdinaryUsersOnly()
    {
        // Arrange
        await Store.RegisterAsync(
        [
            User("level0", "n", level: 0), User("level2", "n", level: 2), User("level1", "n", level: 1),
            User("level3", "n", level: 3), User("level4", "n", level: 4),
        ], Ct);

        // Act
        var ordinary = await Store.ListAsync(new UserFilter(null, null, OrdinaryUsersOnly: true), 0, 10, Ct);
        var everyone = await Store.ListAsync(NoFilter, 0, 10, Ct);

        // Assert
        Assert.Equal(2, ordinary.Total);
        Assert.Equal(["level0", "level1"], ordinary.Items.Select(u => u.UserId));
        Assert.Equal(5, everyone.Total);
    }

    [Fact]
    public async Task List_AppliesOrdinaryUsersOnly_AndTextFilterTogether()
    {
        // Arrange
        await Store.RegisterAsync(
            [User("bot-admin", "n", level: 2), User("bot-user", "n", level: 1), User("human", "robot", level: 0)], Ct);

        // Act
        var page = await Store.ListAsync(new UserFilter("bot", "bot", OrdinaryUsersOnly: true), 0, 10, Ct);

        // Assert
        Assert.Equal(2, page.Total);
        Assert.Equal(["bot-user", "human"], page.Items.Select(u => u.UserId));
    }

    [Fact]
    public async Task ListIds_ReturnsPageInRegistrationOrder_WithTotalOfAll()
    {
        // Arrange
        await RegisterEachAsync("z", "y", "x", "w");

        // Act
        var first = await Store.ListIdsAsync(0, 3, Ct);
        var second = await Store.ListIdsAsync(3, 3, Ct);
        var beyond = await Store.ListIdsAsync(4, 3, Ct);

        // Assert
        Assert.Equal(4, first.Total);
        Assert.Equal(["z", "y", "x"], first.Items);
        Assert.Equal(4, second.Total);
        Assert.Equal(["w"], second.Items);
        Assert.Equal(4, beyond.Total);
        Assert.Empty(beyond.Items);
    }

    [Fact]
    public async Task ListIds_ReturnsEmpty_WhenNoUsers()
    {
        // Act
        var page = await Store.ListIdsAsync(0, 10, Ct);

        // Assert
        Assert.Equal(0, page.Total);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task ListIdsAfter_ContinuesWhereTheLastRunEnded_AndMissesNoLaterRegistration()
    {
        // Arrange
        await RegisterEachAsync("z", "y", "x");

        // Act: a user registered between two reads
        var first = await Store.ListIdsAfterAsync(0, 2, Ct);
        await RegisterEachAsync("w");
        var second = await Store.ListIdsAfterAsync(first.Next, 2, Ct);
        var end = await Store.ListIdsAfterAsync(second.Next, 2, Ct);

        // Assert
        Assert.Equal(["z", "y"], first.UserIds);
        Assert.Equal(["x", "w"], second.UserIds);
        Assert.Empty(end.UserIds);
        Assert.Equal(second.Next, end.Next);
    }

    /// <summary>Registers one user per call, so that registration order is unambiguous on every backend.</summary>
    private async Task RegisterEachAsync(params string[] userIds)
    {
        foreach (var userId in userIds)
        {
            Assert.Null(await Store.RegisterAsync([User(userId, "nick-" + userId)], Ct));
        }
    }
}
