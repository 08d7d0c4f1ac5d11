using OpenImAuth.Core.Users;

namespace OpenImAuth.Core.Tests.Storage;

/// <summary>
/// A value with U+0000, which no stored ID or nickname has (PostgreSQL text cannot hold one), matches nothing: it is
/// neither found nor an error.
/// </summary>
public abstract partial class UserStoreContractTests
{
    [Fact]
    public async Task Lookups_MatchNothing_ForAValueWithU0000()
    {
        // Arrange
        await Store.RegisterAsync([User("u1", "n1"), User("u2", "n2")], Ct);

        // Act
        var found = await Store.FindAsync("u1\0", Ct);
        var foundMany = await Store.FindManyAsync(["\0", "u2", "u1\0x"], Ct);
        var updated = await Store.UpdateAsync("u1\0", new UserUpdate("x", null, null, null), Ct);
        var byId = await Store.ListAsync(new UserFilter("u\0", null, OrdinaryUsersOnly: false), 0, 10, Ct);
        var byIdOrNickname = await Store.ListAsync(new UserFilter("\0", "n2", OrdinaryUsersOnly: false), 0, 10, Ct);

        // Assert
        Assert.Null(found);
        Assert.Equal(["u2"], foundMany.Select(u => u.UserId));
        Assert.False(updated);
        Assert.Equal(0, byId.Total);
        Assert.Equal(["u2"], byIdOrNickname.Items.Select(u => u.UserId));
        Assert.Equal("n1", (await Store.FindAsync("u1", Ct))!.Nickname);
    }
}
