using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpenImAuth.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// The admin console at /console, driven in Debian's Chromium by its accessible names (labels, roles, button text),
/// against a real server process. Every test also fails on a console error in the page and on any request to
/// another host. Screenshots land in artifacts/console.
/// </summary>
public sealed partial class ConsoleTests(ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>
{
    private ServerProcess Server => browser.Server;

    [Fact]
    public async Task SignIn_RefusesAWrongSecret_KeepsTheTokenInTheTabOnly_AndSignOutForgetsIt()
    {
        // Arrange
        await using var tab = await browser.OpenAsync();
        var page = tab.Page;
        await page.GotoAsync("/console/");

        // Act: a wrong secret, then the right one, by keyboard (the Administrator field has the focus).
        await page.Keyboard.TypeAsync(ConsoleBrowser.Admin);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("not-the-secret");
        await page.Keyboard.PressAsync("Enter");

        // Assert
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sign-in refused");
        await Expect(page.GetByLabel("Secret")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(ConsoleBrowser.Secret);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText($"Signed in as {ConsoleBrowser.Admin}")).ToBeVisibleAsync();
        var tabStorage = await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)");
        Assert.Contains("token", tabStorage, StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleBrowser.Secret, tabStorage, StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => localStorage.length"));
        Assert.DoesNotContain(ConsoleBrowser.Secret, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", page.Url, StringComparison.Ordinal); // no JWT in the address

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Administrator")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToBeHiddenAsync();
        Assert.Equal("{}", await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)"));
        tab.AssertClean();
    }

    [Fact]
    public async Task Users_SearchPages_RegisterAndEditNickname_LoadNothingFromOtherHosts()
    {
        // Arrange: 23 users to page through, one with a nickname to find.
        var users = Enumerable.Range(1, 22).Select(i => new { userID = $"pager-{i:D2}", nickname = $"Pager {i}" })
            .Append(new { userID = "pager-zebra", nickname = "Zebra Walker" }).ToArray();
        (await Server.PostAsync("/user/user_register", new { secret = ConsoleBrowser.Secret, users })).AssertOk();
        await using var tab = await browser.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync();

        // Act / Assert: search by user ID, two pages.
        await page.GetByLabel("Search users").FillAsync("pager-");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var list = page.GetByRole(AriaRole.Region, new() { Name = "Users" });
        await Expect(page.GetByText("Page 1 of 2 (23 users)")).ToBeVisibleAsync();
        await Expect(list.GetByRole(AriaRole.Row)).ToHaveCountAsync(21);
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(page.GetByText("Page 2 of 2 (23 users)")).ToBeVisibleAsync();
        await Expect(list.GetByRole(AriaRole.Row)).ToHaveCountAsync(4);

        // By nickname, case-insensitively.
        await page.GetByLabel("Search in").SelectOptionAsync("Nickname");
        await page.GetByLabel("Search users").FillAsync("zebra");
        await page.GetByLabel("Search users").PressAsync("Enter");
        await Expect(page.GetByText("Page 1 of 1 (1 users)")).ToBeVisibleAsync();
        await Expect(list.GetByRole(AriaRole.Link, new() { Name = "pager-zebra" })).ToBeVisibleAsync();

        // Register, with a face URL on another host that the console shows but never loads.
        await page.GetByRole(AriaRole.Button, new() { Name = "Register user" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Register user" });
        await dialog.GetByLabel("User ID").FillAsync("console-new");
        await dialog.GetByLabel("Nickname").FillAsync("New One");
        await dialog.GetByLabel("Face URL").FillAsync("https://images.example.com/face.png");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "console-new", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Nickname")).ToHaveValueAsync("New One");
        await Expect(page.GetByLabel("Face URL")).ToHaveValueAsync("https://images.example.com/face.png");

        await page.GetByLabel("Nickname").FillAsync("Renamed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Saved the profile of console-new");
        var admin = (await Server.PostAsync("/auth/get_admin_token", new { secret = ConsoleBrowser.Secret, userID = ConsoleBrowser.Admin })).Token;
        var info = await Server.PostAsync("/user/get_users_info", new { userIDs = new[] { "console-new" } }, admin);
        Assert.Equal("Renamed", info.Data.GetProperty("usersInfo")[0].GetProperty("nickname").GetString());
        tab.AssertClean();
    }

    [Fact]
    public async Task ForceLogout_KicksTheSessionAndItsConnection_AndTheAuditLogShowsIt()
    {
        // Arrange: a user with no session yet, its page open.
        (await Server.PostAsync("/user/user_register", new { secret = ConsoleBrowser.Secret, users = new[] { new { userID = "kick-me", nickname = "Kick Me" } } })).AssertOk();
        await using var tab = await browser.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync();
        await page.GotoAsync("/console/#/users/kick-me");
        await Expect(page.GetByText("No sessions: the store holds no token of this user.")).ToBeVisibleAsync();

        // A token minted through the API, and a gateway connection with it: the open page shows both.
        var token = (await Server.PostAsync("/auth/user_token", new { secret = ConsoleBrowser.Secret, platformID = 1, userID = "kick-me" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{Server.GatewayAddress}/{GatewayClient.SdkQuery("kick-me", token, 1)}");
        await client.ExpectLoggedInAsync();
        var session = page.GetByRole(AriaRole.Region, new() { Name = "Sessions" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "IOS" });
        await Expect(session).ToContainTextAsync("active");
        var platform = page.GetByRole(AriaRole.Region, new() { Name = "Platforms" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "IOS (1)" });
        await Expect(platform).ToContainTextAsync("online");
        await tab.ScreenshotAsync("user-1280.png");

        // Act: Force logout on iOS, confirmed.
        await platform.GetByRole(AriaRole.Button, new() { Name = "Force logout" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Force logout" }).ClickAsync();

        // Assert: the session is kicked in the page, the connection got the kick frame, and the audit log has it.
        await Expect(session).ToContainTextAsync("kicked");
        await Expect(session.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToHaveCountAsync(0);
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Contains(before, frame => frame.Text.Contains("\"reqIdentifier\":2002", StringComparison.Ordinal));

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await page.GetByLabel("User ID").FillAsync("kick-me");
        await page.GetByLabel("Action").FillAsync("force_logout");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Region, new() { Name = "Audit entries" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "force_logout" });
        await Expect(entry).ToHaveCountAsync(1);
        await Expect(entry).ToContainTextAsync(ConsoleBrowser.Admin);
        await Expect(entry).ToContainTextAsync("ok");
        await tab.ScreenshotAsync("audit-1280.png");
        tab.AssertClean();
    }

    [Fact]
    public async Task LogOutOneSession_ThenRevokeAllSessions_RefusesTheirTokens()
    {
        // Arrange: sessions on iOS and Web.
        (await Server.PostAsync("/user/user_register", new { secret = ConsoleBrowser.Secret, users = new[] { new { userID = "two-sessions", nickname = "Two" } } })).AssertOk();
        var ios = (await Server.PostAsync("/auth/user_token", new { secret = ConsoleBrowser.Secret, platformID = 1, userID = "two-sessions" })).Token;
        var web = (await Server.PostAsync("/auth/user_token", new { secret = ConsoleBrowser.Secret, platformID = 5, userID = "two-sessions" })).Token;
        await using var tab = await browser.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync();
        await page.GotoAsync("/console/#/users/two-sessions");
        var sessions = page.GetByRole(AriaRole.Region, new() { Name = "Sessions" });
        var webRow = sessions.GetByRole(AriaRole.Row).Filter(new() { HasText = "Web" });
        var iosRow = sessions.GetByRole(AriaRole.Row).Filter(new() { HasText = "IOS" });
        await Expect(webRow).ToContainTextAsync("active");
        await Expect(iosRow).ToContainTextAsync("active");

        // Act: log out the Web session; pressing Cancel first changes nothing.
        await webRow.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(webRow).ToContainTextAsync("active");
        await webRow.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        // Assert: one revocation, the confirmed one (the page announces it once its answer is in).
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Logged out one session of two-sessions");
        Assert.Single(tab.Posts, path => path == "/auth/revoke_session");
        await Expect(webRow).ToContainTextAsync("revoked");
        await Expect(iosRow).ToContainTextAsync("active");
        (await Server.PostAsync("/user/get_users_info", new { userIDs = new[] { "two-sessions" } }, web)).AssertError(1506);
        (await Server.PostAsync("/user/get_users_info", new { userIDs = new[] { "two-sessions" } }, ios)).AssertOk();

        // Act: revoke everything.
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke all sessions" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke all sessions" }).ClickAsync();

        // Assert
        await Expect(iosRow).ToContainTextAsync("revoked");
        await Expect(sessions.GetByText("active", new() { Exact = true })).ToHaveCountAsync(0);
        (await Server.PostAsync("/user/get_users_info", new { userIDs = new[] { "two-sessions" } }, ios)).AssertError(1506);
        tab.AssertClean();
    }

    [Fact]
    public async Task Dashboard_ChartsLiveConnectionsAndTokensIssued()
    {
        // Arrange
        (await Server.PostAsync("/user/user_register", new { secret = ConsoleBrowser.Secret, users = new[] { new { userID = "dash-user", nickname = "Dash" } } })).AssertOk();
        await using var tab = await browser.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Img)).ToHaveCountAsync(4);
        var connections = page.GetByRole(AriaRole.Article, new() { Name = "Live connections" });
        await Expect(connections.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", Sampled());

        // Act: a login and a connection while the page is open.
        var token = (await Server.PostAsync("/auth/user_token", new { secret = ConsoleBrowser.Secret, platformID = 5, userID = "dash-user" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{Server.GatewayAddress}/{GatewayClient.SdkQuery("dash-user", token, 5)}");
        await client.ExpectLoggedInAsync();

        // Assert: the charts follow without a reload.
        await Expect(connections).ToContainTextAsync(SomeNow()); // other tests' connections may still be closing
        var issued = page.GetByRole(AriaRole.Article, new() { Name = "Tokens issued" }).GetByRole(AriaRole.Img);
        await Expect(issued).ToHaveAttributeAsync("aria-label", NonZeroPeak());
        await tab.ScreenshotAsync("dashboard-1280.png");
        tab.AssertClean();
    }

    [Fact]
    public async Task NarrowScreen_390px_ShowsEveryViewWithoutSidewaysScrolling()
    {
        // Arrange
        (await Server.PostAsync("/user/user_register", new { secret = ConsoleBrowser.Secret, users = new[] { new { userID = "narrow-user", nickname = "Narrow" } } })).AssertOk();
        (await Server.PostAsync("/auth/user_token", new { secret = ConsoleBrowser.Secret, platformID = 2, userID = "narrow-user" })).AssertOk();
        await using var tab = await browser.OpenAsync(390, 844);
        var page = tab.Page;
        await tab.SignInAsync();

        foreach (var (hash, ready, shot) in new[]
        {
            ("#/users", "Users", "users-390.png"),
            ("#/users/narrow-user", "narrow-user", "user-390.png"),
            ("#/audit", "Audit log", "audit-390.png"),
        })
        {
            // Act
            await page.GotoAsync("/console/" + hash);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = ready, Level = 1 })).ToBeVisibleAsync();
            await Expect(page.GetByText("Loading…")).ToHaveCountAsync(0);

            // Assert: the page fits; wide tables scroll inside their own box.
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), hash);
            await tab.ScreenshotAsync(shot);
        }
        tab.AssertClean();
    }

    [Fact]
    public async Task Console_RefusesToRunInAFrame_AndIsServedWithItsSecurityAndCacheHeaders()
    {
        // Headers, as any client sees them.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(browser.Origin) };
        var ct = TestContext.Current.CancellationToken;
        using (var redirect = await http.GetAsync("/console", ct))
        {
            Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
            Assert.Equal("/console/", redirect.Headers.Location?.OriginalString);
        }
        using var index = await http.GetAsync("/console/", ct);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(';', index.Headers.GetValues("Content-Security-Policy"));
        foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'" })
        {
            Assert.Contains(directive, csp, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(index.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(index.Headers.GetValues("X-Content-Type-Options")));
        Assert.True(index.Headers.CacheControl?.NoCache, index.Headers.ToString());
        var etag = index.Headers.ETag ?? throw new InvalidOperationException("no ETag");
        using (var again = new HttpRequestMessage(HttpMethod.Get, "/console/"))
        {
            again.Headers.IfNoneMatch.Add(etag);
            using var notModified = await http.SendAsync(again, ct);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
        using (var script = await http.GetAsync("/console/app.js", ct))
        {
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(script.Headers.ETag);
        }
        using (var missing = await http.GetAsync("/console/missing.js", ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("\"errCode\":1001", await missing.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        // A page of another origin that frames the console gets an empty frame, never the sign-in form.
        await using var tab = await browser.OpenAsync();
        var page = tab.Page;
        await page.RouteAsync("http://framer.test/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<!doctype html><title>framer</title><iframe src=\"{browser.ConsoleUrl}\"></iframe>",
        }));
        await page.GotoAsync("http://framer.test/");
        var frame = page.Frames.Single(f => f != page.MainFrame);
        Assert.Equal(0, await frame.GetByLabel("Administrator").CountAsync());
        Assert.True(frame.Url.StartsWith("chrome-error:", StringComparison.Ordinal), $"{frame.Url}; errors: {string.Join('\n', tab.Errors)}");
    }

    [GeneratedRegex(@"^Live connections: \d+ now")]
    private static partial Regex Sampled();

    [GeneratedRegex(@"[1-9]\d* now")]
    private static partial Regex SomeNow();

    [GeneratedRegex(@"peak [1-9]")]
    private static partial Regex NonZeroPeak();
}
