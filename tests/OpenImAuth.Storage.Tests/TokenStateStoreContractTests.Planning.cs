using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Tests;

/// <summary>The contract's optimistic concurrency: changes planned from a basis, and the basis a store answers with.</summary>
public abstract partial class TokenStateStoreContractTests
{
    [Fact]
    public async Task GetUserTokens_OrdersTokensOfOneSecond_ByTheirText_BeforeAndAfterARestart()
    {
        // Arrange: two tokens of the same second, stored in the reverse of their ordinal order (Admin's payload says
        // PlatformID 10, Android's 2); a plan keeps the newest of a group, so every store and every restart must agree
        var android = Token("u1", Platforms.Android, 100);
        var admin = Token("u1", Platforms.Admin, 100);
        var earlier = Token("u1", Platforms.Ios, 50);
        await Store.ApplyAsync(Add(android), Ct);
        await Store.ApplyAsync(Add(admin), Ct);
        await Store.ApplyAsync(Add(earlier), Ct);

        // Act
        var before = await Store.GetUserTokensAsync("u1", Ct);
        await RestartAsync();
        var after = await Store.GetUserTokensAsync("u1", Ct);

        // Assert
        Assert.True(string.CompareOrdinal(admin.Token, android.Token) < 0);
        Assert.Equal([earlier, admin, android], before);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Apply_StoresNothingAndAnswersFalse_WhenBasisIsStale()
    {
        // Arrange: plan from a read, then another writer adds a token for the same user
        var first = Token("u1", Platforms.Ios, 0);
        await Store.ApplyAsync(Add(first), Ct);
        var basis = await Store.GetUserTokensAsync("u1", Ct);
        var concurrent = Token("u1", Platforms.Android, 1);
        await Store.ApplyAsync(Add(concurrent), Ct);

        // Act
        var planned = Token("u1", Platforms.Ios, 2);
        var applied = await Store.ApplyAsync(new TokenStateChange("u1", planned, [first], [], basis), Ct);
        var fresh = await Store.ApplyAsync(new TokenStateChange("u1", planned, [first], [], await Store.GetUserTokensAsync("u1", Ct)), Ct);

        // Assert: the stale plan changed nothing; the replanned one applied
        Assert.False(applied);
        Assert.True(fresh);
        Assert.Equal([first with { Status = TokenStatus.Kicked }, concurrent, planned], await Store.GetUserTokensAsync("u1", Ct));
    }

    [Fact]
    public async Task Apply_ChecksTheBasis_OnlyOnItsPlatforms_AndOnThoseItWritesTo()
    {
        // Arrange: two users with a token on iOS and one on Android each; plans are made, then another writer adds a
        // second Android token for each
        var (iosOfU1, androidOfU1) = (Token("u1", Platforms.Ios, 0), Token("u1", Platforms.Android, 1));
        var (iosOfU2, androidOfU2) = (Token("u2", Platforms.Ios, 0), Token("u2", Platforms.Android, 1));
        foreach (var token in new[] { iosOfU1, androidOfU1, iosOfU2, androidOfU2 })
        {
            await Store.ApplyAsync(Add(token), Ct);
        }
        var basisOfU1 = await Store.GetUserTokensAsync("u1", Ct);
        var basisOfU2 = await Store.GetUserTokensAsync("u2", Ct);
        var concurrentOfU1 = Token("u1", Platforms.Android, 2);
        var concurrentOfU2 = Token("u2", Platforms.Android, 2);
        await Store.ApplyAsync(Add(concurrentOfU1), Ct);
        await Store.ApplyAsync(Add(concurrentOfU2), Ct);

        // Act: both plans depend on iOS alone; u2's also kicks its Android token, so it writes where the other wrote
        var plannedOfU1 = Token("u1", Platforms.Ios, 3);
        var plannedOfU2 = Token("u2", Platforms.Ios, 3);
        var onlyIos = await Store.ApplyAsync(
            new TokenStateChange("u1", plannedOfU1, [iosOfU1], [], basisOfU1, PlatformSet.Of(Platforms.Ios)), Ct);
        var alsoAndroid = await Store.ApplyAsync(
            new TokenStateChange("u2", plannedOfU2, [iosOfU2, androidOfU2], [], basisOfU2, PlatformSet.Of(Platforms.Ios)), Ct);

        // Assert: the change on Android did not concern u1's plan, which applied; u2's plan changed nothing
        Assert.True(onlyIos);
        Assert.False(alsoAndroid);
        Assert.Equal(
            [iosOfU1 with { Status = TokenStatus.Kicked }, androidOfU1, concurrentOfU1, plannedOfU1],
            await Store.GetUserTokensAsync("u1", Ct));
        Assert.Equal([iosOfU2, androidOfU2, concurrentOfU2], await Store.GetUserTokensAsync("u2", Ct));
    }

    [Fact]
    public async Task PlanningBasis_IsCurrentAfterAnApply_WhetherItAppliedOrNot()
    {
        // Arrange: the user's tokens change without a basis, as another instance's writes would
        var first = Token("u1", Platforms.Ios, 0);
        var concurrent = Token("u1", Platforms.Android, 1);
        await Store.ApplyAsync(Add(first), Ct);
        await Store.ApplyAsync(Add(concurrent), Ct);
        var planned = Token("u1", Platforms.Ios, 2);

        // Act: plan from the store's basis as issuance does, kicking what the basis says is on iOS; once more if
        // the store answered from what it knew and the apply found that stale
        var attempts = 0;
        bool applied;
        do
        {
            var basis = await Store.GetPlanningBasisAsync("u1", Ct);
            var onIos = basis.Where(t => t.PlatformId == Platforms.Ios).ToList();
            applied = await Store.ApplyAsync(new TokenStateChange("u1", planned, onIos, [], basis), Ct);
        }
        while (!applied && ++attempts < 2);

        // Assert: the basis first, as a read of the tokens may refresh it
        Assert.True(applied);
        var basisAfter = await Store.GetPlanningBasisAsync("u1", Ct);
        var current = await Store.GetUserTokensAsync("u1", Ct);
        Assert.Equal([first with { Status = TokenStatus.Kicked }, concurrent, planned], current);
        Assert.Equal(current, basisAfter);
    }
}
