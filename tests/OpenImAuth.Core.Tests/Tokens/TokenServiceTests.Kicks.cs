using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>Who multi-login and force_logout may kick, and what survives a restart.</summary>
public sealed partial class TokenServiceTests
{
    [Theory]
    [InlineData(MultiLoginPolicy.NoKick)]
    [InlineData(MultiLoginPolicy.AllLoginButSameTermKick)]
    [InlineData(MultiLoginPolicy.AllLoginButSameClassKick)]
    [InlineData(MultiLoginPolicy.PCAndOther)]
    public async Task Issue_NeverKicksAdminPlatformTokens_UnderAnyPolicy(MultiLoginPolicy policy)
    {
        // Arrange
        var service = await StartAsync(Options(policy) with { MaxNumOneEnd = 1 });
        var firstAdmin = await IssueAsync(service, "u1", Platforms.Admin);
        var secondAdmin = await IssueAsync(service, "u1", Platforms.Admin);

        // Act
        var firstIos = await IssueAsync(service, "u1", Platforms.Ios);
        await IssueAsync(service, "u1", Platforms.Ios);
        await IssueAsync(service, "u1", Platforms.Windows);

        // Assert
        Assert.Equal(0, await ErrorOf(service, firstAdmin));
        Assert.Equal(0, await ErrorOf(service, secondAdmin));
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, firstIos));
    }

    [Fact]
    public async Task Issue_NeverKicksTokensOfConfiguredAdmin()
    {
        // Arrange
        var service = await StartAsync();
        var firstAdmin = await IssueAsync(service, "imAdmin", Platforms.Ios);
        var firstUser = await IssueAsync(service, "u1", Platforms.Ios);

        // Act
        var secondAdmin = await IssueAsync(service, "imAdmin", Platforms.Ios);
        await IssueAsync(service, "u1", Platforms.Ios);

        // Assert
        Assert.Equal(0, await ErrorOf(service, firstAdmin));
        Assert.Equal(0, await ErrorOf(service, secondAdmin));
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, firstUser));
    }

    [Fact]
    public async Task ForceLogout_KicksAdminPlatformTokens_AndOnlyThatPlatform()
    {
        // Arrange
        var service = await StartAsync();
        var revoked = new List<string>();
        service.Revocations.Revoked += tokens => revoked.AddRange(tokens.Select(t => t.Token));
        var admin = await IssueAsync(service, "u1", Platforms.Admin);
        var ios = await IssueAsync(service, "u1", Platforms.Ios);

        // Act
        var kicked = await service.ForceLogoutAsync("u1", Platforms.Admin, Ct);

        // Assert
        Assert.Equal([admin], kicked.Select(t => t.Token));
        Assert.Equal([admin], revoked);
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, admin));
        Assert.Equal(0, await ErrorOf(service, ios));
    }

    [Fact]
    public async Task ForceLogout_KicksTokensOfConfiguredAdmin()
    {
        // Arrange
        var service = await StartAsync();
        var token = await IssueAsync(service, "imAdmin", Platforms.Web);

        // Act
        var kicked = await service.ForceLogoutAsync("imAdmin", Platforms.Web, Ct);

        // Assert
        Assert.Single(kicked);
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, token));
    }

    [Fact]
    public async Task Restart_KeepsNormalAndKickedStatuses()
    {
        // Arrange
        var service = await StartAsync();
        var kicked = await IssueAsync(service, "u1", Platforms.Ios);
        var normal = await IssueAsync(service, "u1", Platforms.Ios);
        var android = await IssueAsync(service, "u1", Platforms.Android);

        // Act
        service = await StartAsync();
        var next = await IssueAsync(service, "u1", Platforms.Ios);

        // Assert: the reloaded state also drives the next login's kicks
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, kicked));
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, normal));
        Assert.Equal(0, await ErrorOf(service, android));
        Assert.Equal(0, await ErrorOf(service, next));
    }

    [Fact]
    public async Task Restart_KeepsTokensValid_WhenNothingKickedThem()
    {
        // Arrange
        var service = await StartAsync();
        var ios = await IssueAsync(service, "u1", Platforms.Ios);
        var admin = await IssueAsync(service, "imAdmin", Platforms.Admin);

        // Act
        service = await StartAsync();

        // Assert
        Assert.Equal(0, await ErrorOf(service, ios));
        Assert.Equal(0, await ErrorOf(service, admin));
    }

    [Fact]
    public async Task Issue_KeepsOnlyTheNewestToken_WhenOneUserLogsInConcurrently()
    {
        // Arrange: every issuance reads the clock once, one second later than the previous one
        var service = await StartAsync();
        _time.AutoAdvanceAmount = TimeSpan.FromSeconds(1);

        // Act
        var tokens = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => service.IssueAsync("u1", Platforms.Ios, Ct), Ct)));
        _time.AutoAdvanceAmount = TimeSpan.Zero;

        // Assert: logins are serialised per user, so exactly the last one issued survives
        var stored = await _store.GetUserTokensAsync("u1", Ct);
        Assert.Equal(20, tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(TokenService.MaxKickedKept + 2, stored.Count); // the cap on kept kicked tokens, the one kicked now, the new one
        Assert.Equal(stored[^1].Token, Assert.Single(stored, t => t.Status == TokenStatus.Normal).Token);
        Assert.Equal(0, await ErrorOf(service, stored[^1].Token));
    }
}
