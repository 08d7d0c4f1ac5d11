using OpenImAuth.Core;
using OpenImAuth.Core.Audit;

namespace OpenImAuth.Server.Audit;

/// <summary>
/// Drains the <see cref="AuditTrail"/> into the store: whatever is queued when the previous batch is stored goes in
/// the next one, so a busy server writes few large batches and an idle one writes each entry at once. On shutdown
/// it stores what is still queued before the store closes. A batch the store refuses is lost (and counted): the
/// audit log must not hold up logins by piling up behind a store that is down.
/// </summary>
internal sealed partial class AuditWriter(AuditTrail trail, ILogger<AuditWriter> logger) : BackgroundService
{
    public const int MaxBatch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = trail.Queue;
        var batch = new List<AuditEntry>(MaxBatch);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the API has stopped answering, so what is queued now is all there will be.
            trail.Complete();
            await DrainAsync(batch);
        }
    }

    private async Task DrainAsync(List<AuditEntry> batch)
    {
        while (trail.Queue.TryPeek(out _))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && trail.Queue.TryRead(out var entry))
            {
                batch.Add(entry);
            }
            try
            {
                await trail.Store.AppendAsync(batch, CancellationToken.None);
            }
            catch (Exception ex)
            {
                OpenImAuthMetrics.AuditDropped(batch.Count);
                LogBatchLost(logger, ex, batch.Count);
            }
            if (trail.TakeDropped() is > 0 and var dropped)
            {
                LogDropped(logger, dropped, AuditTrail.QueueCapacity);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit entries lost: the store refused a batch of {Count}")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit entries dropped: {Count}, the queue of {Capacity} was full")]
    private static partial void LogDropped(ILogger logger, long count, int capacity);
}
