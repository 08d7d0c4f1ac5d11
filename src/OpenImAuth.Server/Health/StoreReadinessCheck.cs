using System.Globalization;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenImAuth.Core;
using OpenImAuth.Server.Hosting;
using StackExchange.Redis;

namespace OpenImAuth.Server.Health;

/// <summary>
/// Readiness: every store of <see cref="StoreLifecycle"/> probed at once, each given <see cref="ProbeTimeout"/>, so the
/// answer comes within a second whatever a store does. Unhealthy data maps each store that is down to a short reason
/// (no host names, no credentials: those stay in the log). A store keeps at most one probe running: a check that
/// finds one under way waits for it rather than adding another, so a load balancer polling a frozen server does not
/// pile up connections on it.
/// </summary>
internal sealed partial class StoreReadinessCheck(StoreLifecycle stores, ILogger<StoreReadinessCheck> logger) : IHealthCheck
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(800);

    private readonly Dictionary<IStoreProbe, ProbeState> _states = [];

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var outcomes = await Task.WhenAll(stores.Opened.Probes.Select(probe => ProbeAsync(probe, cancellationToken)));
        var down = outcomes.Where(o => o.Problem is not null).ToDictionary(o => o.Store, o => (object)o.Problem!, StringComparer.Ordinal);
        return down.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(data: down);
    }

    private async Task<(string Store, string? Problem)> ProbeAsync(IStoreProbe probe, CancellationToken cancellationToken)
    {
        var state = StateOf(probe);
        try
        {
            // Real time, not the injected clock: the bound is the load balancer's, whatever clock tokens are read on.
            await state.Running().WaitAsync(ProbeTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return state.Down(logger, $"timed out after {ProbeTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms", null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return state.Down(logger, Describe(ex), ex);
        }
        state.Up(logger);
        return (probe.Name, null);
    }

    private ProbeState StateOf(IStoreProbe probe)
    {
        lock (_states)
        {
            if (!_states.TryGetValue(probe, out var state))
            {
                state = new ProbeState(probe);
                _states[probe] = state;
            }
            return state;
        }
    }

    /// <summary>What went wrong, in a few words that are safe to show to anyone who can reach the port.</summary>
    private static string Describe(Exception error) => error switch
    {
        ObjectDisposedException => "closed",
        // SQLite's messages name the error, never the file: "SQLite Error 5: 'database is locked'."
        SqliteException sqlite => sqlite.Message,
        RedisConnectionException connection => $"not connected ({connection.FailureType})",
        RedisTimeoutException => "timed out",
        // Redis answers errors with a code first (LOADING, NOAUTH, MISCONF, ...); the rest may quote configuration.
        RedisServerException server => $"error {server.Message.Split(' ', 2)[0]}",
        PostgresException postgres => $"error {postgres.SqlState}",
        NpgsqlException { InnerException: SocketException socket } => $"not reachable ({socket.SocketErrorCode})",
        NpgsqlException { InnerException: TimeoutException } => "timed out",
        NpgsqlException => "not reachable",
        _ => $"failed ({error.GetType().Name}; see the server log)",
    };

    private sealed class ProbeState(IStoreProbe probe)
    {
        private readonly object _gate = new();
        private Task? _running;
        private bool _down;

        /// <summary>The probe under way, or a new one when none is.</summary>
        public Task Running()
        {
            lock (_gate)
            {
                if (_running is { IsCompleted: false } running)
                {
                    return running;
                }
                _running = Start();
                return _running;
            }
        }

        private Task Start()
        {
            Task started;
            try
            {
                // Not the request's token: the probe may outlive the request that started it, for the next to join.
                started = probe.ProbeAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                started = Task.FromException(ex);
            }
            // Observe a failure that every waiter gave up on, so it does not surface later as an unobserved exception.
            _ = started.ContinueWith(static t => t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return started;
        }

        // Logged when the store goes down and when it is back, not on every poll in between.
        public (string, string?) Down(ILogger logger, string problem, Exception? error)
        {
            if (Flip(down: true))
            {
                LogDown(logger, probe.Name, problem, error);
            }
            return (probe.Name, problem);
        }

        public void Up(ILogger logger)
        {
            if (Flip(down: false))
            {
                LogUp(logger, probe.Name);
            }
        }

        private bool Flip(bool down)
        {
            lock (_gate)
            {
                var changed = _down != down;
                _down = down;
                return changed;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: {Store} is down: {Problem}")]
    private static partial void LogDown(ILogger logger, string store, string problem, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Readiness: {Store} answers again")]
    private static partial void LogUp(ILogger logger, string store);
}
