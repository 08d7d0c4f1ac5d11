using OpenImAuth.Core;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// A revoked or superseded token is never accepted again, however logins and force_logouts interleave within a
/// second: every login must get a token of its own (see docs/decisions.md, D13).
/// Run through the real token service on every backend.
/// </summary>
public abstract partial class TokenStateStoreContractTests
{
    private const int Ios = Platforms.Ios;

    [Fact]
    public async Task RevokedToken_StaysRevoked_WhenItsSecondIsSignedAgainAfterManyRevocations()
    {
        // Arrange: late in second S-1, A is issued and revoked
        var service = ServiceOverStore(CompatProfile.V3);
        Time.Advance(TimeSpan.FromMilliseconds(900));
        var a = await service.IssueAsync("u1", Ios, Ct);
        await service.ForceLogoutAsync("u1", Ios, Ct);

        // Act: in second S, more revoked tokens than the user keeps, then two more logins on A's platform
        Time.Advance(TimeSpan.FromMilliseconds(200));
        for (var platform = 2; platform <= 10; platform++)
        {
            await service.IssueAsync("u1", platform, Ct);
            await service.ForceLogoutAsync("u1", platform, Ct);
        }
        await service.IssueAsync("u1", Platforms.HarmonyOS, Ct);
        var c = await service.IssueAsync("u1", Ios, Ct);
        await service.ForceLogoutAsync("u1", Ios, Ct);
        var b = await service.IssueAsync("u1", Ios, Ct);

        // Assert
        Assert.NotEqual(a, b);
        Assert.NotEqual(c, b);
        Assert.NotEqual(0, await ErrorOf(service, a));
        Assert.NotEqual(0, await ErrorOf(service, c));
        Assert.Equal(0, await ErrorOf(service, b));
    }

    [Theory]
    [InlineData(CompatProfile.V3)]
    [InlineData(CompatProfile.V3Point8)]
    public async Task SameSecondLogins_GetDistinctTokens_AndOnlyTheNewestSurvives(CompatProfile profile)
    {
        // Arrange
        var service = ServiceOverStore(profile);
        var first = await service.IssueAsync("u1", Ios, Ct);

        // Act: two more logins on the same platform in the same second
        var second = await service.IssueAsync("u1", Ios, Ct);
        var third = await service.IssueAsync("u1", Ios, Ct);

        // Assert: three tokens, the last one alive, each carrying this second and the configured lifetime
        Assert.Equal(3, new[] { first, second, third }.Distinct().Count());
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, first));
        Assert.Equal(ErrorCodes.TokenKickedError, await ErrorOf(service, second));
        Assert.Equal(0, await ErrorOf(service, third));
        var claims = TokenCodec.ReadClaimsUnverified(third)!;
        Assert.Equal(TokenCodec.ReadClaimsUnverified(first)!.IssuedAt, claims.IssuedAt);
        Assert.Equal(claims.IssuedAt + (profile == CompatProfile.V3 ? 0 : 5) + 90 * 86400L, claims.ExpiresAt);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task InterleavedLoginsAndForceLogouts_NeverBringARevokedTokenBack(int seed)
    {
        // Arrange: a model of who must be accepted. Under policy 1 a login revokes the live tokens of its platform
        // (but for the Admin platform, which multi-login never kicks), and force_logout revokes all of them.
        var random = new Random(seed);
        var service = ServiceOverStore(seed % 2 == 0 ? CompatProfile.V3 : CompatProfile.V3Point8);
        var live = new Dictionary<(string User, int Platform), List<string>>();
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        var issued = new HashSet<string>(StringComparer.Ordinal);
        string[] users = ["u1", "u2"];

        // Act: 400 steps over about four seconds on every platform
        for (var step = 0; step < 400; step++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 21)));
            var key = (users[random.Next(users.Length)], random.Next(Platforms.Min, Platforms.Max + 1));
            var tokens = live.TryGetValue(key, out var found) ? found : live[key] = [];
            if (random.Next(3) == 0)
            {
                await service.ForceLogoutAsync(key.Item1, key.Item2, Ct);
                revoked.UnionWith(tokens);
                tokens.Clear();
                continue;
            }
            var token = await service.IssueAsync(key.Item1, key.Item2, Ct);
            Assert.True(issued.Add(token), $"seed {seed}, step {step}: a login was given a token issued before");
            if (key.Item2 != Platforms.Admin)
            {
                revoked.UnionWith(tokens);
                tokens.Clear();
            }
            tokens.Add(token);
            Assert.Equal(0, await ErrorOf(service, token));
        }

        // Assert: every revoked token is refused, every live one accepted
        foreach (var token in revoked)
        {
            Assert.NotEqual(0, await ErrorOf(service, token));
        }
        foreach (var token in live.Values.SelectMany(t => t))
        {
            Assert.Equal(0, await ErrorOf(service, token));
        }
    }

    private TokenService ServiceOverStore(CompatProfile profile) =>
        new(new AuthOptions("openIM123", 90, MultiLoginPolicy.AllLoginButSameTermKick, 30, [], profile), Store, Time);

    private static async Task<int> ErrorOf(TokenService service, string token) =>
        (await service.CheckAsync(token, Ct)).Error?.Code ?? 0;
}
