using OpenImAuth.Core.Users;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// Text with U+0000 in it, which PostgreSQL's text type cannot hold: no stored user ID contains it, so asking for one
/// finds nobody, on every backend alike, rather than failing the call (and every lookup batched with it).
/// </summary>
public abstract partial class UserStoreContractTests
{
    [Theory]
    [InlineData("a\0b")]
    [InlineData("ab\0")]
    [InlineData("\0")]
    public async Task Find_ReturnsNull_ForAnIdContainingNul(string userId)
    {
        // Arrange
        await Store.RegisterAsync([User("ab", "n")], Ct);

        // Act
        var user = await Store.FindAsync(userId, Ct);

        // Assert
        Assert.Null(user);
    }

    [Fact]
    public async Task FindMany_AnswersTheOtherIds_WhenSomeContainNul()
    {
        // Arrange
        await Store.RegisterAsync([User("a", "A"), User("b", "B")], Ct);

        // Act
        var found = await Store.FindManyAsync(["b", "a\0", "missing", "\0", "a"], Ct);
        var none = await Store.FindManyAsync(["a\0", "\0b"], Ct);

        // Assert
        Assert.Equal(["b", "a"], found.Select(u => u.UserId));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Update_ReturnsFalse_ForAnIdContainingNul()
    {
        // Arrange
        var user = User("ab", "n");
        await Store.RegisterAsync([user], Ct);

        // Act
        var found = await Store.UpdateAsync("ab\0", new UserUpdate("renamed", null, null, 1), Ct);

        // Assert
        Assert.False(found);
        Assert.Equal(user, await Store.FindAsync("ab", Ct));
    }

    [Theory]
    [InlineData("a\0")]
    [InlineData("\0")]
    public async Task List_MatchesNoUser_ForAUserIdFilterContainingNul(string contains)
    {
        // Arrange
        await Store.RegisterAsync([User("a", "a"), User("ab", "n")], Ct);

        // Act
        var page = await Store.ListAsync(new UserFilter(contains, null, false), 0, 10, Ct);

        // Assert
        Assert.Equal(0, page.Total);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task List_MatchesByTheOtherFilter_WhenOneContainsNul()
    {
        // Arrange
        await Store.RegisterAsync([User("red1", "plain"), User("u2", "Blue"), User("u3", "green")], Ct);

        // Act
        var byNickname = await Store.ListAsync(new UserFilter("re\0d", "blue", false), 0, 10, Ct);
        var byId = await Store.ListAsync(new UserFilter("RED", "bl\0ue", false), 0, 10, Ct);
        var neither = await Store.ListAsync(new UserFilter("\0", "\0", true), 0, 10, Ct);

        // Assert
        Assert.Equal(["u2"], byNickname.Items.Select(u => u.UserId));
        Assert.Equal(1, byNickname.Total);
        Assert.Equal(["red1"], byId.Items.Select(u => u.UserId));
        Assert.Equal(0, neither.Total);
    }
}
