using Microsoft.Playwright;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// A real server process (SQLite store, on a loopback socket: Playwright needs one) and Debian's Chromium driven by
/// Playwright, shared by the tests of a class. The browser is the one scripts/test.sh installs (TEST_CHROMIUM, else
/// /usr/bin/chromium); a missing browser is a failure, never a skip, and nothing is downloaded.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string Secret = "openIM123";
    public const string Admin = "imAdmin";

    // Flags for a headless Chromium as root in a container, and no traffic of Chromium's own (updates, sync, QUIC).
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-console-");
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>http://127.0.0.1:port, the only origin the console may talk to.</summary>
    public string Origin => Server.Client.BaseAddress!.ToString().TrimEnd('/');

    public string ConsoleUrl => Origin + "/console/";

    /// <summary>artifacts/console of the repository (beside artifacts/bin, where this assembly runs).</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            var artifacts = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!;
            return Directory.CreateDirectory(Path.Combine(artifacts.FullName, "console")).FullName;
        }
    }

    public static string ChromiumPath
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("TEST_CHROMIUM") is { Length: > 0 } set ? set : "/usr/bin/chromium";
            return File.Exists(path) ? path : throw new InvalidOperationException(
                $"no Chromium at {path}: run the suite with ./scripts/test.sh, which installs Debian's chromium");
        }
    }

    public async ValueTask InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(15_000);
        _server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh tab (its own storage) that records console errors and every request to another origin.</summary>
    public async Task<ConsoleTab> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            BaseURL = Origin,
        });
        var tab = new ConsoleTab(context, await context.NewPageAsync(), Origin);
        await tab.WatchAsync();
        return tab;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _directory.Delete(recursive: true);
    }
}

/// <summary>One browser tab on the console, and what it did that a test must fail on.</summary>
public sealed class ConsoleTab(IBrowserContext context, IPage page, string origin) : IAsyncDisposable
{
    private readonly List<string> _errors = [];
    private readonly List<string> _foreignRequests = [];
    private readonly List<string> _posts = [];

    public IPage Page => page;

    public IBrowserContext Context => context;

    /// <summary>The paths the page has POSTed to so far (its API calls), in order.</summary>
    public IReadOnlyList<string> Posts
    {
        get { lock (_posts) { return [.. _posts]; } }
    }

    /// <summary>Console errors and uncaught exceptions of the page so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) { return [.. _errors]; } }
    }

    internal async Task WatchAsync()
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors) { _errors.Add($"console: {message.Text}"); }
            }
        };
        page.PageError += (_, error) => { lock (_errors) { _errors.Add($"page error: {error}"); } };
        page.Request += (_, request) =>
        {
            if (request.Method == "POST")
            {
                lock (_posts) { _posts.Add(new Uri(request.Url).AbsolutePath); }
            }
        };
        // Every request the page makes passes here: one to any other origin is recorded and never leaves the machine.
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(origin + "/", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
                return;
            }
            lock (_foreignRequests) { _foreignRequests.Add(route.Request.Url); }
            await route.AbortAsync();
        });
    }

    /// <summary>Signs in as the built-in administrator, by keyboard as an operator would, and waits for the users list.</summary>
    public async Task SignInAsync(string secret = ConsoleBrowser.Secret)
    {
        await page.GotoAsync("/console/");
        await page.GetByLabel("Administrator").FillAsync(ConsoleBrowser.Admin);
        await page.GetByLabel("Secret").FillAsync(secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    public Task ScreenshotAsync(string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ConsoleBrowser.ScreenshotDirectory, name), FullPage = true });

    /// <summary>The page logged no console error and asked no other host for anything.</summary>
    public void AssertClean()
    {
        lock (_errors) { Assert.True(_errors.Count == 0, string.Join('\n', _errors)); }
        lock (_foreignRequests) { Assert.True(_foreignRequests.Count == 0, "requests to other hosts: " + string.Join('\n', _foreignRequests)); }
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
