using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// One run of a scenario under <c>tests/js</c>: the real <c>@openim/client-sdk</c> in Node 20 (with
/// <c>--experimental-websocket</c>), printing one JSON object per line. Waits are on those lines, each with a deadline;
/// the scenario ends by itself (it has a deadline of its own), and disposing kills it if it has not.
/// </summary>
public sealed class NodeScenario : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<JsonElement> _lines = [];
    private readonly StringBuilder _output = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeScenario(Process process) => _process = process;

    /// <summary>Everything the scenario printed, stdout and stderr, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>Starts <c>tests/js/&lt;script&gt;</c> as the given user against <paramref name="server"/>.</summary>
    public static NodeScenario Start(string script, GatewayServer server, string userId, string token, int platformId, params string[] extra)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = FindScripts(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--experimental-websocket", script,
            "--ws", server.Process.GatewayAddress, "--api", server.Process.Client.BaseAddress!.ToString().TrimEnd('/'),
            "--user", userId, "--token", token, "--platform", platformId.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra])
        {
            start.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var scenario = new NodeScenario(process);
        process.OutputDataReceived += (_, e) => scenario.Record(e.Data, isJson: true);
        process.ErrorDataReceived += (_, e) => scenario.Record(e.Data, isJson: false);
        process.Exited += (_, _) => scenario._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return scenario;
    }

    /// <summary>The first line (printed already or still to come) that matches; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        var checkedLines = 0;
        while (true)
        {
            lock (_lines)
            {
                for (; checkedLines < _lines.Count; checkedLines++)
                {
                    if (match(_lines[checkedLines]))
                    {
                        return _lines[checkedLines];
                    }
                }
            }
            try
            {
                await _arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no {what} within {timeout.TotalSeconds} s; the scenario printed:\n{Output}");
            }
        }
    }

    /// <summary>The SDK event <paramref name="name"/>, with its errCode.</summary>
    public async Task<int> WaitForEventAsync(string name, TimeSpan timeout)
    {
        var line = await WaitForAsync(l => Is(l, "event") && l.GetProperty("name").GetString() == name, timeout, name);
        return line.GetProperty("errCode").GetInt32();
    }

    /// <summary>The names of the SDK events printed so far, in order.</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_lines)
            {
                return _lines.Where(l => Is(l, "event")).Select(l => l.GetProperty("name").GetString()!).ToList();
            }
        }
    }

    /// <summary>Waits for the scenario's own end and checks that it reported success.</summary>
    public async Task<JsonElement> WaitForSuccessAsync(TimeSpan timeout)
    {
        var done = await WaitForAsync(l => Is(l, "done") || Is(l, "error"), timeout, "end of the scenario");
        Assert.True(Is(done, "done") && done.GetProperty("code").GetInt32() == 0, $"the scenario failed:\n{Output}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        await _exited.Task.WaitAsync(deadline.Token);
        return done;
    }

    public static bool Is(JsonElement line, string type) =>
        line.TryGetProperty("type", out var value) && value.GetString() == type;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
        _arrived.Dispose();
    }

    private void Record(string? line, bool isJson)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (!isJson || !line.StartsWith('{'))
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        }
        _arrived.Release();
    }

    /// <summary>tests/js, found from the test assembly's folder upwards; its packages must be installed (scripts/test.sh does).</summary>
    private static string FindScripts()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var scripts = Path.Combine(directory.FullName, "tests", "js");
            if (File.Exists(Path.Combine(scripts, "package.json")))
            {
                return Directory.Exists(Path.Combine(scripts, "node_modules", "@openim", "client-sdk"))
                    ? scripts
                    : throw new InvalidOperationException($"the JS SDK is not installed in {scripts}; run ./scripts/test.sh (it runs npm ci there)");
            }
        }
        throw new InvalidOperationException("tests/js not found above " + AppContext.BaseDirectory);
    }
}
