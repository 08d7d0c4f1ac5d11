using System.Diagnostics;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// A private redis-server that a test may stop and start again: append-only file fsynced on every write, so
/// whatever it acknowledged survives being killed.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-redis-");
    private Process? _process;

    public int Port { get; } = ServerProcess.FreePort();

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess();
        await redis.RestartAsync();
        return redis;
    }

    /// <summary>Starts (again) on the same port and directory; returns once it accepts connections.</summary>
    public async Task RestartAsync()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(TestServers.RedisServerBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--dir", _directory.FullName, "--appendonly", "yes", "--appendfsync", "always", "--save", "" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    /// <summary>SIGKILL: the outage is abrupt, and only fsynced writes survive it.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        _process.Dispose();
        _process = null;
    }

    /// <summary>SIGSTOP: the process keeps its connections open but answers nothing, as a hung server does.</summary>
    public Task FreezeAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT: the frozen process answers again, everything it was sent meanwhile included.</summary>
    public Task ThawAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await KillAsync();
        }
        _directory.Delete(recursive: true);
    }
}
