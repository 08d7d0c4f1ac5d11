using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>Tokens issued with a lifetime of their own (per-request expiry, beyond OpenIM).</summary>
public sealed partial class TokenServiceTests
{
    [Theory]
    [InlineData(CompatProfile.V3)]
    [InlineData(CompatProfile.V3Point8)]
    public async Task Issue_SignsExpiryAtIssuedAtPlusTheLifetimeAsked_InEitherFormat(CompatProfile profile)
    {
        // Arrange
        var service = await StartAsync(Options(MultiLoginPolicy.AllLoginButSameTermKick) with { Profile = profile });

        // Act
        var token = await service.IssueAsync("u1", Platforms.Web, TimeSpan.FromSeconds(60), onKicked: null, Ct);
        var claims = (await service.CheckAsync(token, Ct)).Claims!;

        // Assert: exactly the lifetime asked for, whether iat is now (format A) or five seconds back (format B)
        Assert.Equal(60, claims.ExpiresAt - claims.IssuedAt);
        Assert.Equal(TokenCodec.IssuedAt(Start, _options.TokenFormat), claims.IssuedAt);
        Assert.Equal(claims.ExpiresAt, (await _store.GetUserTokensAsync("u1", Ct)).Single().ExpiresAt);
    }

    [Fact]
    public async Task Check_ReturnsExpired_AtTheEndOfTheLifetimeAsked_WhileADefaultTokenLivesOn()
    {
        // Arrange
        var service = await StartAsync(Options(MultiLoginPolicy.AllLoginButSameTermKick));
        var short1 = await service.IssueAsync("u1", Platforms.Ios, TimeSpan.FromSeconds(2), onKicked: null, Ct);
        var standard = await service.IssueAsync("u1", Platforms.Android, Ct);

        // Act
        _time.Advance(TimeSpan.FromSeconds(1));
        var before = await ErrorOf(service, short1);
        _time.Advance(TimeSpan.FromSeconds(1));
        var after = await ErrorOf(service, short1);

        // Assert
        Assert.Equal(0, before);
        Assert.Equal(ErrorCodes.TokenExpiredError, after);
        Assert.Equal(0, await ErrorOf(service, standard));
    }

    [Fact]
    public async Task Issue_DropsATokenExpiredByItsOwnLifetime_AtTheUsersNextLogin()
    {
        // Arrange
        var service = await StartAsync(Options(MultiLoginPolicy.AllLoginButSameTermKick));
        var short1 = await service.IssueAsync("u1", Platforms.Ios, TimeSpan.FromSeconds(2), onKicked: null, Ct);
        _time.Advance(TimeSpan.FromSeconds(3));

        // Act
        var fresh = await service.IssueAsync("u1", Platforms.Android, Ct);

        // Assert
        Assert.Null(await _store.GetStatusAsync("u1", Platforms.Ios, short1, Ct));
        Assert.Equal([fresh], (await _store.GetUserTokensAsync("u1", Ct)).Select(t => t.Token));
    }
}
