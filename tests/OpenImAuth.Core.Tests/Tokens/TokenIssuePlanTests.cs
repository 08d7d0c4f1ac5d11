using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>
/// The change one issuance plans from the user's stored tokens, seen exactly: a store that answers with a given
/// list of tokens and records what it is asked to apply.
/// </summary>
public sealed class TokenIssuePlanTests
{
    private const string Secret = "openIM123";
    private const long Now = 1_700_000_000;
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(Now));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Issue_PlansKicksAndRemovals_FromTheStoredTokens()
    {
        // Arrange: ten unexpired kicked tokens, four of them issued in the same second, so the newest eight are
        // chosen by issuance and then by store order; plus live tokens and an expired one
        var k1 = Kicked("k1", 100);
        var k10 = Kicked("k10", 200);
        var normalAndroid = Normal("android", Platforms.Android, 50);
        var normalIos = Normal("ios", Platforms.Ios, 60);
        var adminPlatform = Normal("admin", Platforms.Admin, 70);
        var expired = Normal("expired", Platforms.Web, 80) with { ExpiresAt = Now };
        StoredToken[] existing =
        [
            k1, Kicked("k2", 200), normalAndroid, Kicked("k3", 200), Kicked("k4", 200), expired, Kicked("k5", 300),
            Kicked("k6", 300), normalIos, Kicked("k7", 400), Kicked("k8", 500), adminPlatform, Kicked("k9", 600), k10,
        ];
        var store = new ScriptedStore(existing);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, CompatProfile.V3);

        // Act
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);

        // Assert
        var change = Assert.Single(store.Applied);
        Assert.Equal(new StoredToken(token, "u1", Platforms.Ios, TokenStatus.Normal, Now, Now + 7_776_000), change.Added);
        Assert.Equal([normalIos], change.Kicked);
        Assert.Equal([k1, expired, k10], change.Removed);
        Assert.Same(existing, change.Basis);
        // under policy 1 an iOS login depends on iOS alone; the check also covers where it removes (Android, Web)
        Assert.Equal(PlatformSet.Of(Platforms.Ios), change.BasisPlatforms);
        Assert.Equal(PlatformSet.Of(Platforms.Ios).With(Platforms.Android).With(Platforms.Web), change.CheckedPlatforms);
    }

    [Theory]
    [InlineData(CompatProfile.V3, TokenFormat.WithNotBefore)]
    [InlineData(CompatProfile.V3Point8, TokenFormat.Backdated)]
    public async Task Issue_StoresTheTimesTheTokenCarries_InEitherFormat(CompatProfile profile, TokenFormat format)
    {
        // Arrange: a clock between two seconds
        _time.Advance(TimeSpan.FromMilliseconds(999));
        var store = new ScriptedStore([]);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, profile);

        // Act
        var token = await service.IssueAsync("u1", Platforms.Web, Ct);

        // Assert: iat and exp as written into the token (format B backdates iat by five seconds)
        var claims = TokenCodec.ReadClaimsUnverified(token)!;
        var added = Assert.Single(store.Applied).Added!;
        Assert.Equal(new TokenCodec(Secret).Sign("u1", Platforms.Web, _time.GetUtcNow(), Lifetime, format), token);
        Assert.Equal((claims.IssuedAt, claims.ExpiresAt), (added.IssuedAt, added.ExpiresAt));
        Assert.Equal(format == TokenFormat.Backdated ? Now - 5 : Now, added.IssuedAt);
        Assert.Equal(Now + 7_776_000, added.ExpiresAt);
    }

    [Fact]
    public async Task Issue_SignsSecondsEarlier_WhileTheTokenOfThatSecondIsRevoked()
    {
        // Arrange: the tokens of this second and of the one before were kicked, the one before that never issued
        var codec = new TokenCodec(Secret);
        var now = _time.GetUtcNow();
        var thisSecond = codec.Sign("u1", Platforms.Ios, now, Lifetime, TokenFormat.WithNotBefore);
        var secondBefore = codec.Sign("u1", Platforms.Ios, now.AddSeconds(-1), Lifetime, TokenFormat.WithNotBefore);
        var store = new ScriptedStore(
        [
            new StoredToken(secondBefore, "u1", Platforms.Ios, TokenStatus.Kicked, Now - 1, Now - 1 + 7_776_000),
            new StoredToken(thisSecond, "u1", Platforms.Ios, TokenStatus.Kicked, Now, Now + 7_776_000),
        ]);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, CompatProfile.V3);

        // Act
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);

        // Assert: signed two seconds back, and stored with the times it carries
        Assert.Equal(codec.Sign("u1", Platforms.Ios, now.AddSeconds(-2), Lifetime, TokenFormat.WithNotBefore), token);
        var added = Assert.Single(store.Applied).Added!;
        Assert.Equal((Now - 2, Now - 2 + 7_776_000), (added.IssuedAt, added.ExpiresAt));
        Assert.Empty(Assert.Single(store.Applied).Removed);
    }

    [Fact]
    public async Task Issue_NeitherKicksNorRemoves_TheLiveTokenItSignsAgain()
    {
        // Arrange: a second login in the same second signs the same bytes as the live token
        var now = _time.GetUtcNow();
        var same = new TokenCodec(Secret).Sign("u1", Platforms.Ios, now, Lifetime, TokenFormat.WithNotBefore);
        var store = new ScriptedStore([new StoredToken(same, "u1", Platforms.Ios, TokenStatus.Normal, Now, Now + 7_776_000)]);
        var service = Service(store, MultiLoginPolicy.NoKick, CompatProfile.V3, maxNumOneEnd: 1);

        // Act
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);

        // Assert
        var change = Assert.Single(store.Applied);
        Assert.Equal(same, token);
        Assert.Empty(change.Kicked);
        Assert.Empty(change.Removed);
    }

    [Fact]
    public async Task Issue_KicksNothing_ForAdministrator()
    {
        // Arrange
        var live = Normal("ios", Platforms.Ios, 60) with { UserId = "imAdmin" };
        var store = new ScriptedStore([live]);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, CompatProfile.V3);

        // Act
        await service.IssueAsync("imAdmin", Platforms.Ios, Ct);

        // Assert: nothing on other platforms decides an administrator's login
        var change = Assert.Single(store.Applied);
        Assert.Empty(change.Kicked);
        Assert.Equal(PlatformSet.Of(Platforms.Ios), change.BasisPlatforms);
    }

    private TokenService Service(ITokenStateStore store, MultiLoginPolicy policy, CompatProfile profile, int maxNumOneEnd = 30) =>
        new(new AuthOptions(Secret, 90, policy, maxNumOneEnd, [new AdminAccount("imAdmin", "imAdmin")], profile), store, _time);

    private static StoredToken Kicked(string token, long issuedAt) =>
        new(token, "u1", Platforms.Android, TokenStatus.Kicked, issuedAt, Now + 1000);

    private static StoredToken Normal(string token, int platformId, long issuedAt) =>
        new(token, "u1", platformId, TokenStatus.Normal, issuedAt, Now + 1000);

    /// <summary>Answers every read with the same tokens and accepts every change, recording it.</summary>
    private sealed class ScriptedStore(IReadOnlyList<StoredToken> tokens) : ITokenStateStore
    {
        public List<TokenStateChange> Applied { get; } = [];

        public Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken) =>
            Task.FromResult(tokens);

        public Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken)
        {
            Applied.Add(change);
            return Task.FromResult(true);
        }

        public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
