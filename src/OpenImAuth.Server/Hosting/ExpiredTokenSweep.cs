using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Once an hour, has the token store forget the tokens that have expired. Issuance drops a user's expired tokens when
/// that user logs in again, as OpenIM does; without this, the embedded store's memory would keep the tokens of users
/// who never return until the next restart. The sweep runs as one write of the store's writer, so a large store
/// (a million tokens) holds up the writes queued behind it for a moment once an hour.
/// </summary>
internal sealed partial class ExpiredTokenSweep(ITokenStateStore tokens, TimeProvider time, ILogger<ExpiredTokenSweep> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>Raised after each sweep with how many tokens it forgot (tests wait for it rather than for time).</summary>
    public event Action<int>? Swept;

    // Made with the service, during host start-up, so that the first hour counts from then (the loop itself runs on
    // the thread pool and may start later).
    private readonly PeriodicTimer _timer = new(Period, time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = _timer;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task SweepOnceAsync(CancellationToken stoppingToken)
    {
        var forgotten = 0;
        try
        {
            forgotten = await tokens.ForgetExpiredAsync(stoppingToken);
            if (forgotten > 0)
            {
                LogForgotten(logger, forgotten);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The next hour tries again; meanwhile expired tokens only take memory (checks refuse them by their claims).
            LogFailed(logger, ex);
        }
        Swept?.Invoke(forgotten);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired tokens forgotten: {Count}")]
    private static partial void LogForgotten(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forgetting expired tokens failed; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
