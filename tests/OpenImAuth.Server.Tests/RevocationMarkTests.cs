using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// POST /auth/revoke_tokens and /auth/clear_revocation on every store: tokens issued before the moment answer 1506,
/// those issued after it (in the same second too) keep working, on the in-memory host's fake clock.
/// </summary>
public sealed class RevocationMarkTests
{
    private const long T0 = 1_700_000_000_000; // the fake clock's start, in Unix ms

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task RevokeTokens_RefusesTokensIssuedBefore_AndNotAfter_EvenInTheSameSecond(string store)
    {
        // Arrange: two tokens of u1 and one of u2 early in a second.
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1", "u2");
        var admin = await app.AdminTokenAsync();
        app.Time.Advance(TimeSpan.FromMilliseconds(100));
        var ios = await app.UserTokenAsync("u1", 1);
        app.Time.Advance(TimeSpan.FromMilliseconds(200));
        var android = await app.UserTokenAsync("u1", 2);
        var other = await app.UserTokenAsync("u2", 1);

        // Act: revoke u1's tokens at 400 ms, then log u1 in again at 500 ms: the same second, after the moment.
        app.Time.Advance(TimeSpan.FromMilliseconds(100));
        var revoke = await app.PostAsync("/auth/revoke_tokens", new { userID = "u1" }, admin);
        app.Time.Advance(TimeSpan.FromMilliseconds(100));
        var after = await app.UserTokenAsync("u1", 3);

        // Assert
        revoke.AssertOk();
        Assert.Equal(T0 + 400, revoke.Data.GetProperty("issuedBeforeMs").GetInt64());
        (await app.PostAsync("/auth/parse_token", new { token = ios })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = android })).AssertError(1506);
        (await app.PostAsync("/user/get_users_info", new { userIDs = new[] { "u1" } }, android)).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = after })).AssertOk();
        (await app.PostAsync("/auth/parse_token", new { token = other })).AssertOk();
        (await app.PostAsync("/auth/parse_token", new { token = admin })).AssertOk();
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task ClearRevocation_RestoresWhatTheMarkAloneRefused_NotWhatForceLogoutKicked(string store)
    {
        // Arrange: two tokens refused by a mark on u1's platform 1, one of them also kicked by force_logout.
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var kept = await app.UserTokenAsync("u1", 1);
        var web = await app.UserTokenAsync("u1", 5);
        app.Time.Advance(TimeSpan.FromSeconds(10));
        (await app.PostAsync("/auth/revoke_tokens", new { userID = "u1", platformID = 1 }, admin)).AssertOk();
        (await app.PostAsync("/auth/revoke_tokens", new { userID = "u1", platformID = 5 }, admin)).AssertOk();
        (await app.PostAsync("/auth/force_logout", new { userID = "u1", platformID = 5 }, admin)).AssertOk();
        (await app.PostAsync("/auth/parse_token", new { token = kept })).AssertError(1506);

        // Act
        var cleared = await app.PostAsync("/auth/clear_revocation", new { userID = "u1", platformID = 1 }, admin);
        var clearedWeb = await app.PostAsync("/auth/clear_revocation", new { userID = "u1", platformID = 5 }, admin);
        var again = await app.PostAsync("/auth/clear_revocation", new { userID = "u1", platformID = 1 }, admin);

        // Assert
        Assert.True(cleared.Data.GetProperty("cleared").GetBoolean());
        Assert.True(clearedWeb.Data.GetProperty("cleared").GetBoolean());
        Assert.False(again.Data.GetProperty("cleared").GetBoolean());
        (await app.PostAsync("/auth/parse_token", new { token = kept })).AssertOk();
        (await app.PostAsync("/auth/parse_token", new { token = web })).AssertError(1506);
        var revoked = await AuditedAsync(app, admin, "revoke_tokens", "u1", 2);
        Assert.Equal([1, 5], revoked.Select(e => e.GetProperty("platformID").GetInt32()).Order());
        Assert.All(revoked, e => Assert.Equal(AuthApplication.Admin, e.GetProperty("actor").GetString()));
        Assert.Equal(3, (await AuditedAsync(app, admin, "clear_revocation", "u1", 3)).Count); // the third cleared nothing
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task AppWideMark_SparesAdministrators_AndMarksOnlyMoveForward(string store)
    {
        // Arrange
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var user = await app.UserTokenAsync("u1", 1);
        var userOnAdminPlatform = await app.UserTokenAsync("u1", 10); // platform 10 does not make u1 an administrator
        app.Time.Advance(TimeSpan.FromSeconds(10));

        // Act: an app-wide mark now, then one an hour earlier, which must not weaken it.
        var first = await app.PostAsync("/auth/revoke_tokens", new { }, admin);
        var earlier = await app.PostAsync("/auth/revoke_tokens", new { issuedBefore = (T0 / 1000) - 3600 }, admin);

        // Assert
        Assert.Equal(T0 + 10_000, first.Data.GetProperty("issuedBeforeMs").GetInt64());
        Assert.Equal(T0 + 10_000, earlier.Data.GetProperty("issuedBeforeMs").GetInt64());
        (await app.PostAsync("/auth/parse_token", new { token = user })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = userOnAdminPlatform })).AssertError(1506);
        (await app.PostAsync("/auth/parse_token", new { token = admin })).AssertOk(); // the operator keeps the API

        // A mark naming the administrator does revoke the admin's token; one issued after it works.
        app.Time.Advance(TimeSpan.FromSeconds(10));
        (await app.PostAsync("/auth/revoke_tokens", new { userID = AuthApplication.Admin }, admin)).AssertOk();
        (await app.PostAsync("/auth/parse_token", new { token = admin })).AssertError(1506);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        (await app.PostAsync("/auth/parse_token", new { token = await app.AdminTokenAsync() })).AssertOk();
    }

    [Theory]
    [MemberData(nameof(StoreApplication.Stores), MemberType = typeof(StoreApplication))]
    public async Task RevokeTokens_RefusesBadArguments_WithTheFieldNamed(string store)
    {
        await using var host = await StoreApplication.StartAsync(store);
        var app = host.App;
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var user = await app.UserTokenAsync("u1", 1);
        var now = T0 / 1000;

        await AssertRefused(app, "/auth/revoke_tokens", new { platformID = 1 }, admin, 1001, "platformID needs userID");
        await AssertRefused(app, "/auth/revoke_tokens", new { userID = "u1", platformID = 12 }, admin, 1001, "platformID 12 is invalid");
        await AssertRefused(app, "/auth/revoke_tokens", new { userID = "u1", issuedBefore = now + 61 }, admin, 1001, "issuedBefore");
        await AssertRefused(app, "/auth/revoke_tokens", new { userID = "u1", issuedBefore = -1 }, admin, 1001, "issuedBefore");
        await AssertRefused(app, "/auth/revoke_tokens", new { userID = "nobody" }, admin, 1004, "nobody");
        await AssertRefused(app, "/auth/revoke_tokens", new { userID = "u1" }, user, 1002, "not admin");
        await AssertRefused(app, "/auth/clear_revocation", new { platformID = 2 }, admin, 1001, "platformID needs userID");
        await AssertRefused(app, "/auth/clear_revocation", new { }, user, 1002, "not admin");
        (await app.PostAsync("/auth/revoke_tokens", new { userID = "u1", issuedBefore = now + 60 }, admin)).AssertOk(); // the bound itself
    }

    /// <summary>The audit entries of <paramref name="action"/> about the user, once there are at least <paramref name="count"/>.</summary>
    internal static async Task<List<JsonElement>> AuditedAsync(AuthApplication app, string admin, string action, string userId, int count)
    {
        var search = await Eventually.UntilAsync(
            () => app.PostAsync("/audit/search", new { userID = userId, action, pagination = new { pageNumber = 1, showNumber = 100 } }, admin),
            answer => answer.ErrCode == 0 && answer.Data.GetProperty("total").GetInt32() >= count, TimeSpan.FromSeconds(10),
            $"{count} audit entries of {action}");
        return [.. search.Data.GetProperty("entries").EnumerateArray()];
    }

    internal static async Task AssertRefused(AuthApplication app, string path, object body, string token, int code, string named)
    {
        var answer = await app.PostAsync(path, body, token);
        answer.AssertError(code);
        Assert.Contains(named, answer.Text, StringComparison.Ordinal);
    }
}
