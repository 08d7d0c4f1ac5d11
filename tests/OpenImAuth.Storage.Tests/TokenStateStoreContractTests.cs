using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// What every <see cref="ITokenStateStore"/> backend must do. A backend's test class derives from this one and
/// supplies a fresh store per test; the tests themselves run unchanged on every backend.
/// </summary>
public abstract partial class TokenStateStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly TokenCodec _codec = new("openIM123");

    protected FakeTimeProvider Time { get; } = new(Start);

    protected ITokenStateStore Store { get; private set; } = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store with data of its own, reading the current time from <paramref name="time"/>.</summary>
    protected abstract Task<ITokenStateStore> CreateStoreAsync(TimeProvider time);

    /// <summary>
    /// Closes the store made by <see cref="CreateStoreAsync"/> and opens its durable data again, with the same time
    /// provider, as a process restart does. Nothing held in memory may survive.
    /// </summary>
    protected abstract Task<ITokenStateStore> ReopenStoreAsync();

    /// <summary>Closes the store and deletes its data.</summary>
    protected abstract ValueTask DisposeStoreAsync();

    /// <summary>Replaces <see cref="Store"/> with a reopened one (see <see cref="ReopenStoreAsync"/>).</summary>
    protected async Task RestartAsync() => Store = await ReopenStoreAsync();

    public async ValueTask InitializeAsync() => Store = await CreateStoreAsync(Time);

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task GetStatus_ReturnsNull_WhenTokenNeverStored()
    {
        // Arrange
        var token = Token("u1", Platforms.Ios, 0);

        // Act
        var status = await Store.GetStatusAsync("u1", Platforms.Ios, token.Token, Ct);

        // Assert
        Assert.Null(status);
    }

    [Fact]
    public async Task GetStatus_ReturnsNormal_AfterAdd()
    {
        // Arrange
        var token = Token("u1", Platforms.Ios, 0);

        // Act
        await Store.ApplyAsync(Add(token), Ct);

        // Assert
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u1", Platforms.Ios, token.Token, Ct));
    }

    [Fact]
    public async Task GetStatus_ReturnsKicked_AfterKick()
    {
        // Arrange
        var token = Token("u1", Platforms.Ios, 0);
        await Store.ApplyAsync(Add(token), Ct);

        // Act
        await Store.ApplyAsync(new TokenStateChange("u1", null, [token], []), Ct);

        // Assert
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("u1", Platforms.Ios, token.Token, Ct));
    }

    [Fact]
    public async Task GetStatus_ReturnsNull_ForWrongUserOrPlatform()
    {
        // Arrange
        var token = Token("u1", Platforms.Ios, 0);
        await Store.ApplyAsync(Add(token), Ct);

        // Act
        var wrongUser = await Store.GetStatusAsync("u2", Platforms.Ios, token.Token, Ct);
        var wrongPlatform = await Store.GetStatusAsync("u1", Platforms.Android, token.Token, Ct);

        // Assert
        Assert.Null(wrongUser);
        Assert.Null(wrongPlatform);
    }

    [Fact]
    public async Task GetUserTokens_ReturnsOldestIssuanceFirst_OnEveryPlatform()
    {
        // Arrange: stored out of issuance order, with another user's token in between
        var newest = Token("u1", Platforms.Web, 300);
        var oldest = Token("u1", Platforms.Ios, 100);
        var middle = Token("u1", Platforms.Admin, 200);
        await Store.ApplyAsync(Add(newest), Ct);
        await Store.ApplyAsync(Add(Token("u2", Platforms.Ios, 150)), Ct);
        await Store.ApplyAsync(Add(oldest), Ct);
        await Store.ApplyAsync(Add(middle), Ct);

        // Act
        var tokens = await Store.GetUserTokensAsync("u1", Ct);

        // Assert
        Assert.Equal([oldest, middle, newest], tokens);
    }

    [Fact]
    public async Task GetUserTokens_ReturnsEmpty_ForUnknownUser()
    {
        // Act
        var tokens = await Store.GetUserTokensAsync("nobody", Ct);

        // Assert
        Assert.Empty(tokens);
    }

    [Fact]
    public async Task Apply_AddsKicksAndRemoves_InOneChange()
    {
        // Arrange
        var toKick = Token("u1", Platforms.Ios, 100);
        var toRemove = Token("u1", Platforms.Android, 110);
        var untouched = Token("u1", Platforms.Web, 120);
        foreach (var token in new[] { toKick, toRemove, untouched })
        {
            await Store.ApplyAsync(Add(token), Ct);
        }
        var added = Token("u1", Platforms.Ios, 130);

        // Act
        await Store.ApplyAsync(new TokenStateChange("u1", added, [toKick], [toRemove]), Ct);

        // Assert
        Assert.Equal(
            [toKick with { Status = TokenStatus.Kicked }, untouched, added],
            await Store.GetUserTokensAsync("u1", Ct));
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("u1", Platforms.Ios, toKick.Token, Ct));
        Assert.Null(await Store.GetStatusAsync("u1", Platforms.Android, toRemove.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u1", Platforms.Web, untouched.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u1", Platforms.Ios, added.Token, Ct));
    }

    [Fact]
    public async Task Apply_DoesNotCreateTokens_WhenKickingOrRemovingUnknownOnes()
    {
        // Arrange
        var unknownKick = Token("u1", Platforms.Ios, 100);
        var unknownRemove = Token("u1", Platforms.Android, 100);

        // Act
        await Store.ApplyAsync(new TokenStateChange("u1", null, [unknownKick], [unknownRemove]), Ct);

        // Assert
        Assert.Null(await Store.GetStatusAsync("u1", Platforms.Ios, unknownKick.Token, Ct));
        Assert.Empty(await Store.GetUserTokensAsync("u1", Ct));
    }

    [Fact]
    public async Task KickPlatform_ReturnsExactlyTheChangedTokens_OnlyOnThatPlatform()
    {
        // Arrange
        var alreadyKicked = Token("u1", Platforms.Ios, 100);
        var iosA = Token("u1", Platforms.Ios, 110);
        var iosB = Token("u1", Platforms.Ios, 120);
        var android = Token("u1", Platforms.Android, 130);
        var otherUser = Token("u2", Platforms.Ios, 140);
        foreach (var token in new[] { alreadyKicked, iosA, iosB, android, otherUser })
        {
            await Store.ApplyAsync(Add(token), Ct);
        }
        await Store.ApplyAsync(new TokenStateChange("u1", null, [alreadyKicked], []), Ct);

        // Act
        var kicked = await Store.KickPlatformAsync("u1", Platforms.Ios, Ct);

        // Assert
        Assert.Equal(
            new[] { iosA.Token, iosB.Token }.Order(StringComparer.Ordinal),
            kicked.Select(t => t.Token).Order(StringComparer.Ordinal));
        Assert.All(kicked, t => Assert.Equal(("u1", Platforms.Ios), (t.UserId, t.PlatformId)));
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("u1", Platforms.Ios, iosA.Token, Ct));
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("u1", Platforms.Ios, iosB.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u1", Platforms.Android, android.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u2", Platforms.Ios, otherUser.Token, Ct));
    }

    [Fact]
    public async Task KickPlatform_ReturnsEmpty_WhenNothingLeftToKick()
    {
        // Arrange
        await Store.ApplyAsync(Add(Token("u1", Platforms.Admin, 100)), Ct);
        var first = await Store.KickPlatformAsync("u1", Platforms.Admin, Ct);

        // Act
        var second = await Store.KickPlatformAsync("u1", Platforms.Admin, Ct);
        var unknownUser = await Store.KickPlatformAsync("nobody", Platforms.Ios, Ct);

        // Assert
        Assert.Single(first);
        Assert.Empty(second);
        Assert.Empty(unknownUser);
    }

    [Fact]
    public async Task Apply_LandsEveryChange_WhenManyTasksApplyConcurrently()
    {
        // Arrange: 200 writers over 10 users, each adding one token
        var tokens = Enumerable.Range(0, 200)
            .Select(i => Token("u" + (i % 10), Platforms.Ios, i))
            .ToArray();

        // Act
        await Task.WhenAll(tokens.Select(t => Task.Run(() => Store.ApplyAsync(Add(t), Ct), Ct)));

        // Assert
        foreach (var token in tokens)
        {
            Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync(token.UserId, Platforms.Ios, token.Token, Ct));
        }
        for (var user = 0; user < 10; user++)
        {
            Assert.Equal(20, (await Store.GetUserTokensAsync("u" + user, Ct)).Count);
        }
    }

    [Fact]
    public async Task Reopen_KeepsNormalAndKickedTokens()
    {
        // Arrange
        var kicked = Token("u1", Platforms.Ios, 100);
        var normal = Token("u1", Platforms.Ios, 110);
        var admin = Token("u1", Platforms.Admin, 120);
        await Store.ApplyAsync(Add(kicked), Ct);
        await Store.ApplyAsync(new TokenStateChange("u1", normal, [kicked], []), Ct);
        await Store.ApplyAsync(Add(admin), Ct);

        // Act
        await RestartAsync();

        // Assert
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("u1", Platforms.Ios, kicked.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("u1", Platforms.Ios, normal.Token, Ct));
        Assert.Equal([kicked with { Status = TokenStatus.Kicked }, normal, admin], await Store.GetUserTokensAsync("u1", Ct));
    }

    /// <summary>A real token issued <paramref name="secondsAfterStart"/> after the fake start time, as OpenIM signs it.</summary>
    protected StoredToken Token(string userId, int platformId, int secondsAfterStart, TimeSpan? lifetimeAsked = null)
    {
        var issuedAt = Start.AddSeconds(secondsAfterStart);
        var lifetime = lifetimeAsked ?? TimeSpan.FromDays(90);
        var token = _codec.Sign(userId, platformId, issuedAt, lifetime, TokenFormat.WithNotBefore);
        return new StoredToken(token, userId, platformId, TokenStatus.Normal,
            issuedAt.ToUnixTimeSeconds(), issuedAt.Add(lifetime).ToUnixTimeSeconds());
    }

    protected static TokenStateChange Add(StoredToken token) => new(token.UserId, token, [], []);
}
