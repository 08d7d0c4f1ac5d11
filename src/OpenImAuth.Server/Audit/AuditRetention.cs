using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Hosting;

namespace OpenImAuth.Server.Audit;

/// <summary>
/// Deletes audit entries older than <c>audit.retentionDays</c>: once at start-up, then every hour. Retention 0 keeps
/// every entry. A failed prune is logged and tried again the next hour.
/// </summary>
internal sealed partial class AuditRetention(ServerSettings settings, StoreLifecycle stores, TimeProvider time,
    ILogger<AuditRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    // Made with the service, during host start-up, so that the first hour counts from then.
    private readonly PeriodicTimer _timer = new(Period, time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = _timer;
        if (settings.Audit.RetentionDays == 0)
        {
            return;
        }
        try
        {
            do
            {
                await PruneOnceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task PruneOnceAsync(CancellationToken stoppingToken)
    {
        var before = time.GetUtcNow().AddDays(-settings.Audit.RetentionDays).ToUnixTimeMilliseconds();
        try
        {
            var pruned = await stores.Opened.Audit.PruneAsync(before, stoppingToken);
            if (pruned > 0)
            {
                LogPruned(logger, pruned, settings.Audit.RetentionDays);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit entries older than {Days} days deleted: {Count}")]
    private static partial void LogPruned(ILogger logger, long count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old audit entries failed; the next hour tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
