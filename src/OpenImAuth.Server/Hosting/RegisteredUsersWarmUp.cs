using System.Diagnostics;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Fills the registered-users memory from the user store once the server has started. Until then, and for users it
/// does not reach, issuance looks users up as it always did, so the server serves at once and a failure here costs
/// only speed. Measured on the embedded store: logins of users not yet remembered cost about half as much again.
/// </summary>
internal sealed partial class RegisteredUsersWarmUp(AuthServices services, ILogger<RegisteredUsersWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start-up path even though the SQLite reader answers synchronously: since .NET 10 the host runs all
        // of ExecuteAsync on the thread pool.
        var clock = Stopwatch.StartNew();
        try
        {
            var read = await services.Registered.LearnRegisteredAsync(stoppingToken);
            LogLearned(logger, read, clock.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping before it finished: nothing to report
        }
        catch (Exception ex)
        {
            // Any store failure only leaves the memory to fill as users log in.
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered users remembered at start-up: {Count} in {Milliseconds} ms")]
    private static partial void LogLearned(ILogger logger, int count, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the registered users at start-up failed; they are remembered as they log in")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
