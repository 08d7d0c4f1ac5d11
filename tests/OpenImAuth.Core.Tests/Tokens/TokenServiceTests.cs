using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Errors;
using OpenImAuth.Tests.Shared;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>Issue, check and revoke on the real embedded store (docs/decisions.md, D6, D12, W5–W7).</summary>
public sealed partial class TokenServiceTests : IAsyncDisposable
{
    private const string Secret = "openIM123";
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly SqliteTestDatabase _database = new();
    private readonly FakeTimeProvider _time = new(Start);
    private AuthOptions _options = Options(MultiLoginPolicy.AllLoginButSameTermKick);
    private SqliteTokenStateStore _store = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Check_ReturnsClaims_AfterIssue()
    {
        // Arrange
        var service = await StartAsync();

        // Act
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);
        var check = await service.CheckAsync(token, Ct);

        // Assert: the v3 profile signs format A
        Assert.Null(check.Error);
        Assert.Equal(new TokenClaims("u1", Platforms.Ios, 1_707_776_000, 1_699_999_700, 1_700_000_000), check.Claims);
        Assert.Equal(new TokenCodec(Secret).Sign("u1", Platforms.Ios, Start, TimeSpan.FromDays(90), TokenFormat.WithNotBefore), token);
    }

    [Fact]
    public async Task Issue_SignsBackdatedFormat_ForV38Profile()
    {
        // Arrange
        var service = await StartAsync(Options(MultiLoginPolicy.AllLoginButSameTermKick) with { Profile = CompatProfile.V3Point8 });

        // Act
        var token = await service.IssueAsync("u1", Platforms.Web, Ct);
        var check = await service.CheckAsync(token, Ct);

        // Assert
        Assert.Equal(new TokenClaims("u1", Platforms.Web, 1_707_776_000, null, 1_699_999_995), check.Claims);
    }

    [Fact]
    public async Task Check_ReturnsKicked_AfterSecondLoginOnSamePlatform_WhileOtherPlatformSurvives()
    {
        // Arrange
        var service = await StartAsync();
        var firstIos = await IssueAsync(service, "u1", Platforms.Ios);
        var android = await IssueAsync(service, "u1", Platforms.Android);

        // Act
        var secondIos = await IssueAsync(service, "u1", Platforms.Ios);

        // Assert
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, firstIos));
        Assert.Equal(0, await ErrorOf(service, android));
        Assert.Equal(0, await ErrorOf(service, secondIos));
    }

    [Fact]
    public async Task Issue_PublishesRevocation_WithTheKickedTokens()
    {
        // Arrange
        var service = await StartAsync();
        var revoked = new List<string>();
        service.Revocations.Revoked += tokens => revoked.AddRange(tokens.Select(t => t.Token));
        var first = await IssueAsync(service, "u1", Platforms.Ios);
        await IssueAsync(service, "u1", Platforms.Android);

        // Act
        await IssueAsync(service, "u1", Platforms.Ios);

        // Assert
        Assert.Equal([first], revoked);
    }

    [Fact]
    public async Task Check_StillReturnsKicked_AfterFurtherLogins()
    {
        // Arrange: kicked tokens are kept until they expire, so holders get 1506 rather than 1507
        var service = await StartAsync();
        var first = await IssueAsync(service, "u1", Platforms.Ios);
        var second = await IssueAsync(service, "u1", Platforms.Ios);

        // Act
        var third = await IssueAsync(service, "u1", Platforms.Ios);

        // Assert
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, first));
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, second));
        Assert.Equal(0, await ErrorOf(service, third));
    }

    [Fact]
    public async Task Issue_KicksOldestBeyondMaxNumOneEnd_ForPolicy0()
    {
        // Arrange
        var service = await StartAsync(Options(MultiLoginPolicy.NoKick) with { MaxNumOneEnd = 2 });
        var first = await IssueAsync(service, "u1", Platforms.Ios);
        var second = await IssueAsync(service, "u1", Platforms.Ios);

        // Act
        var third = await IssueAsync(service, "u1", Platforms.Ios);

        // Assert
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, first));
        Assert.Equal(0, await ErrorOf(service, second));
        Assert.Equal(0, await ErrorOf(service, third));
    }

    [Fact]
    public async Task Check_ReturnsExpired_OnceLifetimeHasPassed()
    {
        // Arrange
        var service = await StartAsync();
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);
        _time.Advance(TimeSpan.FromDays(90) - TimeSpan.FromMilliseconds(1));
        var justBefore = await ErrorOf(service, token);

        // Act
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var atExpiry = await ErrorOf(service, token);

        // Assert
        Assert.Equal(0, justBefore);
        Assert.Equal(ErrorCodes.TokenExpiredError, atExpiry);
    }

    [Fact]
    public async Task Check_ReturnsNotExist_ForValidTokenNeverStored()
    {
        // Arrange
        var service = await StartAsync();
        var token = new TokenCodec(Secret).Sign("u1", Platforms.Ios, Start, TimeSpan.FromDays(90), TokenFormat.WithNotBefore);

        // Act
        var error = await ErrorOf(service, token);

        // Assert
        Assert.Equal(ErrorCodes.TokenNotExistError, error);
    }

    [Theory]
    [InlineData("not-a-token", ErrorCodes.TokenMalformedError)]
    [InlineData("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJVc2VySUQiOiIxMTExMTEiLCJQbGF0Zm9ybUlEIjoxLCJleHAiOjE3MDc3NzYwMDAsIm5iZiI6MTY5OTk5OTcwMCwiaWF0IjoxNzAwMDAwMDAwfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ErrorCodes.TokenUnknownError)]
    public async Task Check_ReturnsCodecError_BeforeLookingAtTheStore(string token, int expected)
    {
        // Arrange
        var service = await StartAsync();

        // Act
        var error = await ErrorOf(service, token);

        // Assert
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task Issue_ForgetsExpiredTokensOfTheUser()
    {
        // Arrange
        var service = await StartAsync();
        var expired = await service.IssueAsync("u1", Platforms.Ios, Ct);
        _time.Advance(TimeSpan.FromDays(91));

        // Act
        var fresh = await service.IssueAsync("u1", Platforms.Android, Ct);

        // Assert
        Assert.Null(await _store.GetStatusAsync("u1", Platforms.Ios, expired, Ct));
        Assert.Equal([fresh], (await _store.GetUserTokensAsync("u1", Ct)).Select(t => t.Token));
    }

    /// <summary>Opens (or, the second time, reopens) the store and a service on it.</summary>
    private async Task<TokenService> StartAsync(AuthOptions? options = null)
    {
        _options = options ?? _options;
        _store = await SqliteTokenStateStore.OpenAsync(await _database.OpenAsync(), _time, Ct);
        return new TokenService(_options, _store, _time);
    }

    /// <summary>Issues a token one second after the previous one, so that tokens of one platform always differ.</summary>
    private async Task<string> IssueAsync(TokenService service, string userId, int platformId)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return await service.IssueAsync(userId, platformId, Ct);
    }

    private static async Task<int> ErrorOf(TokenService service, string token) =>
        (await service.CheckAsync(token, Ct)).Error?.Code ?? 0;

    private static AuthOptions Options(MultiLoginPolicy policy) =>
        new(Secret, 90, policy, 30, [new AdminAccount("imAdmin", "imAdmin")], CompatProfile.V3);
}
