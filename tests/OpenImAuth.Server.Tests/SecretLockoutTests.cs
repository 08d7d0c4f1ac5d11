using Microsoft.Extensions.Logging;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>Wrong secrets lock their client address out of the secret routes for a while; nobody else.</summary>
public sealed class SecretLockoutTests
{
    private const string Attacker = "198.51.100.7";
    private const string AppServer = "192.0.2.10";
    private const string Secret = AuthApplication.Secret;

    [Fact]
    public async Task TenWrongSecrets_LockTheAddressOut_OfEverySecretRoute_EvenWithTheRightSecret()
    {
        // Arrange
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");

        // Act
        var wrong = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            wrong.Add((await app.PostFromAsync(Attacker, "/auth/user_token", new { secret = $"guess{i}", platformID = 1, userID = "alice" })).Answer.ErrCode);
        }
        var right = await app.PostFromAsync(Attacker, "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" });

        // Assert: the end is 300 s from the tenth failure, in errDlt and Retry-After; the check comes before every other
        // (no operationID is not 1001 here); the other secret routes refuse too, a route without a secret does not.
        Assert.All(wrong, code => Assert.Equal(1002, code));
        Assert.Equal(429, right.Status);
        right.Answer.AssertError(1010);
        Assert.Equal("SecretLockedOutError", right.Answer.Root.GetProperty("errMsg").GetString());
        Assert.Contains("locked out until 1700000300 (unix seconds), 300 s from now", right.Answer.Root.GetProperty("errDlt").GetString(), StringComparison.Ordinal);
        Assert.Equal("300", right.RetryAfter);
        var admin = await app.PostFromAsync(Attacker, "/auth/get_admin_token", new { secret = Secret, userID = AuthApplication.Admin }, operationId: false);
        var register = await app.PostFromAsync(Attacker, "/user/user_register", new { secret = Secret, users = new[] { new { userID = "bob", nickname = "b" } } });
        Assert.Equal((429, 1010), (admin.Status, admin.Answer.ErrCode));
        Assert.Equal((429, 1010), (register.Status, register.Answer.ErrCode));
        Assert.Equal(200, (await app.PostFromAsync(Attacker, "/auth/parse_token", new { token = "x" })).Status);
        // The audit log has the ten wrong secrets and, once, the lockout they began (not each request it refused).
        var adminToken = (await app.PostFromAsync(AppServer, "/auth/get_admin_token", new { secret = Secret, userID = AuthApplication.Admin })).Answer.Token;
        var audited = await Eventually.UntilAsync(
            () => app.PostAsync("/audit/search", new { action = "secret_refused", pagination = AuditLogTests.Page(1, 100) }, adminToken),
            answer => answer.Data.GetProperty("total").GetInt64() >= 11, TimeSpan.FromSeconds(30), "the wrong secrets and the lockout");
        var codes = audited.Data.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("errCode").GetInt32()).ToList();
        Assert.Equal(11, codes.Count);
        Assert.Equal(1, codes.Count(code => code == 1010));
        Assert.Equal(10, codes.Count(code => code == 1002));
    }

    [Fact]
    public async Task OtherAddresses_AreUntouched()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");
        await FailAsync(app, Attacker, 10);

        var other = await app.PostFromAsync(AppServer, "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" });

        Assert.Equal(200, other.Status);
        other.Answer.AssertOk();
    }

    [Fact]
    public async Task TheLockout_EndsAfterLockoutSeconds_AndBothAreLoggedAtWarning()
    {
        // Arrange
        await using var app = new AuthApplication("v3", ("security:lockoutSeconds", "120"));
        await app.RegisterAsync("alice");
        await FailAsync(app, Attacker, 10);

        // Act
        app.Time.Advance(TimeSpan.FromSeconds(119));
        var before = await app.PostFromAsync(Attacker, "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" });
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var after = await app.PostFromAsync(Attacker, "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" });

        // Assert
        Assert.Equal((429, "1"), (before.Status, before.RetryAfter));
        after.Answer.AssertOk();
        var warnings = app.Logs.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.Contains(Attacker, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("locked out until", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("10 wrong secrets", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("may try secrets again", warnings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Successes_NeverCount_AndDoNotResetTheFailures()
    {
        // Arrange
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");
        await FailAsync(app, AppServer, 9);

        // Act: well past the maximum of attempts in all, but the tenth failure comes last
        var successes = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            successes.Add((await app.PostFromAsync(AppServer, "/auth/user_token", new { secret = Secret, platformID = 1 + (i % 5), userID = "alice" })).Answer.ErrCode);
        }
        await FailAsync(app, AppServer, 1);
        var afterTenth = await app.PostFromAsync(AppServer, "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" });

        // Assert
        Assert.All(successes, code => Assert.Equal(0, code));
        Assert.Equal(429, afterTenth.Status);
    }

    [Fact]
    public async Task RegisteringWithAnAdminToken_IsNoSecretAttempt()
    {
        await using var app = new AuthApplication();
        var users = new[] { new { userID = "bob", nickname = "b" } };

        // Not one secret among them: without a secret the admin token is what counts, and its absence is no guess.
        for (var i = 0; i < 12; i++)
        {
            (await app.PostFromAsync(Attacker, "/user/user_register", new { users })).Answer.AssertError(1001);
        }
        var withSecret = await app.PostFromAsync(Attacker, "/user/user_register", new { secret = Secret, users });

        withSecret.Answer.AssertOk();
    }

    [Fact]
    public async Task BehindATrustedProxy_TheFirstUntrustedForwardedHopIsTheClient()
    {
        // Arrange: the proxy at 10.0.0.2 and another of ours (10.1.2.3) in front of it; the attacker forges hops on the left
        await using var app = new AuthApplication("v3", ("security:trustedProxies:0", "10.0.0.2"), ("security:trustedProxies:1", "10.1.0.0/16"));
        await app.RegisterAsync("alice");
        for (var i = 0; i < 10; i++)
        {
            await app.PostFromAsync("10.0.0.2", "/auth/user_token", new { secret = "guess", platformID = 1, userID = "alice" },
                forwardedFor: $"203.0.113.{i}, {Attacker}, 10.1.2.3");
        }

        // Act
        var attacker = await app.PostFromAsync("10.0.0.2", "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" },
            forwardedFor: Attacker);
        var appServer = await app.PostFromAsync("10.0.0.2", "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" },
            forwardedFor: $"{Attacker}, {AppServer}");
        var proxyItself = await app.PostFromAsync("10.0.0.2", "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" });

        // Assert
        Assert.Equal(429, attacker.Status);
        appServer.Answer.AssertOk();
        proxyItself.Answer.AssertOk();
    }

    [Fact]
    public async Task FromAnUntrustedAddress_XForwardedForIsIgnored()
    {
        // Arrange: no trusted proxies (the default); every guess names another client
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");
        for (var i = 0; i < 10; i++)
        {
            await app.PostFromAsync(Attacker, "/auth/user_token", new { secret = "guess", platformID = 1, userID = "alice" },
                forwardedFor: $"203.0.113.{i}");
        }

        // Act
        var again = await app.PostFromAsync(Attacker, "/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" },
            forwardedFor: AppServer);

        // Assert
        Assert.Equal(429, again.Status);
    }

    private static async Task FailAsync(AuthApplication app, string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            (await app.PostFromAsync(address, "/auth/get_admin_token", new { secret = "guess", userID = AuthApplication.Admin })).Answer.AssertError(1002);
        }
    }
}
