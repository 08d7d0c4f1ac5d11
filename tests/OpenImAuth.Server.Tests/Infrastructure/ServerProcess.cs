using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// The real server as a separate process (<c>dotnet OpenImAuth.Server.dll</c>), for what an in-memory host cannot
/// show: start-up failures, exit codes, surviving SIGKILL, SIGTERM, and real WebSockets. Readiness is awaited on the
/// server's own "Application started" log line, not on a sleep. Each server gets a free gateway port of its own.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, int port, int gatewayPort)
    {
        _process = process;
        Port = port;
        GatewayPort = gatewayPort;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }

    /// <summary>The WebSocket gateway's port (longConnSvr.openImWsPort).</summary>
    public int GatewayPort { get; }

    /// <summary>The gateway's address, as an SDK's <c>wsAddr</c>.</summary>
    public string GatewayAddress => $"ws://127.0.0.1:{GatewayPort}";

    public HttpClient Client { get; }

    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>Starts the server with <paramref name="args"/> and waits until it serves, or until it exits.</summary>
    public static Task<ServerProcess> StartAsync(string workingDirectory, int port, params string[] args) =>
        StartAsync(workingDirectory, port, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="StartAsync(string, int, string[])"/>, with extra environment variables.</summary>
    public static async Task<ServerProcess> StartAsync(string workingDirectory, int port,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var gatewayPort = FreePort(except: port);
        var server = Launch(workingDirectory, [$"--api.openImApiPort={port}", $"--longConnSvr.openImWsPort={gatewayPort}", .. args],
            port, gatewayPort, environment);
        using var timeout = new CancellationTokenSource(StartTimeout);
        var exited = server._process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(server._started.Task, exited);
        if (first != server._started.Task)
        {
            throw new InvalidOperationException($"server did not start:\n{server.Output}");
        }
        return server;
    }

    /// <summary>
    /// Starts the server on ports free now. A port is free only until the server binds it: should anything take it
    /// meanwhile (an outgoing connection's ephemeral port, another test's server), the server is started again on new
    /// ones, as the caller did not care which.
    /// </summary>
    public static async Task<ServerProcess> StartOnFreePortsAsync(string workingDirectory,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartAsync(workingDirectory, FreePort(), environment, args);
            }
            catch (InvalidOperationException taken) when (attempt < 3 && taken.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    /// <summary>As <see cref="StartOnFreePortsAsync(string, IReadOnlyDictionary{string, string}, string[])"/>, in the test's environment.</summary>
    public static Task<ServerProcess> StartOnFreePortsAsync(string workingDirectory, params string[] args) =>
        StartOnFreePortsAsync(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Runs the server expecting it to refuse to start; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string workingDirectory, params string[] args)
    {
        await using var server = Launch(workingDirectory, args, 0, 0, new Dictionary<string, string>());
        using var timeout = new CancellationTokenSource(StartTimeout);
        await server._process.WaitForExitAsync(timeout.Token);
        return (server._process.ExitCode, server.Output);
    }

    /// <summary>A loopback port nobody listens on now, other than <paramref name="except"/>.</summary>
    /// <remarks>
    /// The kernel may hand the port just released out again at once, so two calls in a row can return the same port:
    /// a port in <paramref name="except"/> stays held while the next is picked.
    /// </remarks>
    public static int FreePort(params int[] except)
    {
        var rejected = new List<TcpListener>();
        try
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (!except.Contains(port))
                {
                    listener.Dispose();
                    return port;
                }
                rejected.Add(listener);
            }
        }
        finally
        {
            rejected.ForEach(listener => listener.Dispose());
        }
    }

    public async Task<ApiAnswer> PostAsync(string path, object body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(JsonSerializer.Serialize(body)) };
        request.Headers.Add("operationID", "process-test");
        if (token is not null)
        {
            request.Headers.Add("token", token);
        }
        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new ApiAnswer(JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; only what was durable survives.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>SIGTERM, as a service manager stops a server; waits for the exit and returns its code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(StartTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        Client.Dispose();
        _process.Dispose();
    }

    private static ServerProcess Launch(string workingDirectory, string[] args, int port, int gatewayPort,
        IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerAssembly());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The child must not inherit test-host settings that would change its configuration.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OPENIMAUTH_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, port, gatewayPort);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    /// <summary>The server's own build output, beside this test assembly's (artifacts/bin/&lt;project&gt;/&lt;config&gt;).</summary>
    private static string ServerAssembly()
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(testDirectory.Parent!.Parent!.FullName, "OpenImAuth.Server", testDirectory.Name, "OpenImAuth.Server.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the server first", path);
    }
}
