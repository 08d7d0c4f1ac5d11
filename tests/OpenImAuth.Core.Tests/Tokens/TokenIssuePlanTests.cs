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
        Assert.Equal(new StoredToken(token, "u1", Platforms.Ios, TokenStatus.Normal, Now, Now + 7_776_000) { IssuedAtMs = Now * 1000 },
            change.Added);
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

    [Theory]
    [InlineData(TokenStatus.Kicked)]
    [InlineData(TokenStatus.Normal)]
    public async Task Issue_AddsATokenId_WhenItsPlatformHasATokenOfThisSecond(int status)
    {
        // Arrange: this second's plain token was issued already
        var now = _time.GetUtcNow();
        var codec = new TokenCodec(Secret);
        var plain = codec.Sign("u1", Platforms.Ios, now, Lifetime, TokenFormat.WithNotBefore);
        var existing = new StoredToken(plain, "u1", Platforms.Ios, status, Now, Now + 7_776_000);
        var store = new ScriptedStore([existing]);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, CompatProfile.V3);

        // Act
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);

        // Assert: a token of its own, of this second, that differs from the plain one by a jti alone, and the plain
        // one is kicked if it was live
        Assert.NotEqual(plain, token);
        Assert.Equal(new TokenClaims("u1", Platforms.Ios, Now + 7_776_000, Now - 300, Now), TokenCodec.ReadClaimsUnverified(token));
        var tokenId = JwtPayload(token).GetProperty("jti").GetString()!;
        Assert.Equal(codec.SignWithTimes("u1", Platforms.Ios, now, Lifetime, TokenFormat.WithNotBefore, tokenId).Token, token);
        Assert.Equal(22, tokenId.Length);
        var change = Assert.Single(store.Applied);
        Assert.Equal(status == TokenStatus.Normal ? new[] { existing } : [], change.Kicked);
        Assert.Equal((Now, Now + 7_776_000), (change.Added!.IssuedAt, change.Added.ExpiresAt));
    }

    [Fact]
    public async Task Issue_SignsThePlainToken_WhenOnlyOtherPlatformsOrEarlierSecondsHaveTokens()
    {
        // Arrange
        var store = new ScriptedStore([Kicked("android", Now), Normal("ios", Platforms.Ios, Now - 1)]);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, CompatProfile.V3);

        // Act
        var token = await service.IssueAsync("u1", Platforms.Ios, Ct);

        // Assert: byte for byte what OpenIM signs at this clock
        Assert.Equal(new TokenCodec(Secret).Sign("u1", Platforms.Ios, _time.GetUtcNow(), Lifetime, TokenFormat.WithNotBefore), token);
    }

    [Fact]
    public async Task Issue_KeepsEachPlatformsNewestToken_BeyondTheKickedCap()
    {
        // Arrange: the cap's oldest kicked tokens include Web's only one and Windows's newest
        var web = Kicked("web", 10) with { PlatformId = Platforms.Web };
        var olderWindows = Kicked("windows-1", 10) with { PlatformId = Platforms.Windows };
        var newerWindows = Kicked("windows-2", 11) with { PlatformId = Platforms.Windows };
        StoredToken[] existing =
        [
            web, olderWindows, newerWindows,
            .. Enumerable.Range(0, 8).Select(i => Kicked($"android-{i}", 100 + i)),
        ];
        var store = new ScriptedStore(existing);
        var service = Service(store, MultiLoginPolicy.AllLoginButSameTermKick, CompatProfile.V3);

        // Act
        await service.IssueAsync("u1", Platforms.Ios, Ct);

        // Assert: only the token that is neither among the newest eight nor its platform's newest goes
        Assert.Equal([olderWindows], Assert.Single(store.Applied).Removed);
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

    private static System.Text.Json.JsonElement JwtPayload(string token) =>
        System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement;

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

        public Task<StoredToken?> KickTokenAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<long?> GetIssuedAtMsAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, long>> GetIssuanceTimesAsync(string userId, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
