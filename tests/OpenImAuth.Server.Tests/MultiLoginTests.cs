using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>Multi-login policies applied at issuance through the real routes: the newest token always survives.</summary>
public sealed class MultiLoginTests
{
    [Fact]
    public async Task Policy1_NewLoginKicksSamePlatformOnly()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "1"));
        await app.RegisterAsync("u1");
        var iosOld = await app.UserTokenAsync("u1", 1);
        var android = await app.UserTokenAsync("u1", 2);
        app.Time.Advance(TimeSpan.FromSeconds(1));

        var iosNew = await app.UserTokenAsync("u1", 1);

        await AssertCodeAsync(app, iosOld, 1506);
        await AssertCodeAsync(app, android, 0);
        await AssertCodeAsync(app, iosNew, 0);
    }

    [Fact]
    public async Task Policy0_KeepsEveryLoginUpToMaxNumOneEnd_KickingTheOldest()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "0"), ("multiLogin:maxNumOneEnd", "2"));
        await app.RegisterAsync("u1");
        var tokens = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            tokens.Add(await app.UserTokenAsync("u1", 5));
            app.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await AssertCodeAsync(app, tokens[0], 1506);
        await AssertCodeAsync(app, tokens[1], 0);
        await AssertCodeAsync(app, tokens[2], 0);
    }

    [Fact]
    public async Task Policy4_NewLoginKicksItsWholeClass()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "4"));
        await app.RegisterAsync("u1");
        var android = await app.UserTokenAsync("u1", 2);
        var windows = await app.UserTokenAsync("u1", 3);
        app.Time.Advance(TimeSpan.FromSeconds(1));

        var ios = await app.UserTokenAsync("u1", 1);

        await AssertCodeAsync(app, android, 1506); // mobile class, like iOS
        await AssertCodeAsync(app, windows, 0);
        await AssertCodeAsync(app, ios, 0);
    }

    [Fact]
    public async Task Policy5_PcLoginsCoexist_AndNonPcLoginKicksOtherNonPc()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "5"));
        await app.RegisterAsync("u1");
        var windows = await app.UserTokenAsync("u1", 3);
        var web = await app.UserTokenAsync("u1", 5);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var osx = await app.UserTokenAsync("u1", 4);

        var android = await app.UserTokenAsync("u1", 2);

        await AssertCodeAsync(app, windows, 0);
        await AssertCodeAsync(app, osx, 0);
        await AssertCodeAsync(app, web, 1506);
        await AssertCodeAsync(app, android, 0);
    }

    [Fact]
    public async Task AdminTokens_AreNeverKickedByLaterLogins()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "1"));
        var viaAdminRoute = await app.AdminTokenAsync();
        var adminOnIos = await app.UserTokenAsync("imAdmin", 1);
        app.Time.Advance(TimeSpan.FromSeconds(1));

        await app.AdminTokenAsync();
        await app.UserTokenAsync("imAdmin", 1);

        await AssertCodeAsync(app, viaAdminRoute, 0);
        await AssertCodeAsync(app, adminOnIos, 0);
    }

    [Fact]
    public async Task Platform10Token_OfOrdinaryUser_SurvivesLoginsOnOtherPlatforms()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "4"));
        await app.RegisterAsync("u1");
        var adminPlatform = await app.UserTokenAsync("u1", 10);
        app.Time.Advance(TimeSpan.FromSeconds(1));

        await app.UserTokenAsync("u1", 1);

        await AssertCodeAsync(app, adminPlatform, 0);
    }

    [Fact]
    public async Task ConcurrentLogins_OfOneClass_LeaveExactlyTheNewestAlive()
    {
        // Policy 4 and the six non-admin platforms of two classes: in one second each login signs distinct bytes,
        // so only the per-user serialisation keeps concurrent logins from each keeping a token the other kicked.
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "4"));
        await app.RegisterAsync("u1");
        var platforms = new[] { 1, 2, 3, 4, 7, 1, 2, 3, 4, 7 };

        var tokens = await Task.WhenAll(platforms.Select(p => app.UserTokenAsync("u1", p)));

        var live = new List<string>();
        foreach (var token in tokens.Distinct())
        {
            if ((await app.PostAsync("/auth/parse_token", new { token })).ErrCode == 0)
            {
                live.Add(token);
            }
        }
        // One survivor per class (mobile: iOS/Android; PC: Windows/OSX/Linux).
        Assert.Equal(2, live.Count);
    }

    [Fact]
    public async Task KickedTokens_AreKeptUpToTheCap_ThenForgotten()
    {
        await using var app = new AuthApplication("v3", ("multiLoginPolicy", "1"));
        await app.RegisterAsync("u1");
        var tokens = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            tokens.Add(await app.UserTokenAsync("u1", 5));
            app.Time.Advance(TimeSpan.FromSeconds(1));
        }

        // The newest is live; the 8 kicked before it answer 1506; older kicked ones were dropped (1507).
        await AssertCodeAsync(app, tokens[11], 0);
        await AssertCodeAsync(app, tokens[10], 1506);
        await AssertCodeAsync(app, tokens[3], 1506);
        await AssertCodeAsync(app, tokens[1], 1507);
        await AssertCodeAsync(app, tokens[0], 1507);
    }

    private static async Task AssertCodeAsync(AuthApplication app, string token, int code)
    {
        var answer = await app.PostAsync("/auth/parse_token", new { token });
        Assert.True(answer.ErrCode == code, $"expected {code}: {answer.Text}");
    }
}
