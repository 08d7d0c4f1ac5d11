using OpenImAuth.Core;
using OpenImAuth.Core.Audit;

namespace OpenImAuth.Server.Audit;

/// <summary>
/// Drains the <see cref="AuditTrail"/> into the store: whatever is queued goes in one batch, then the writer rests for
/// <see cref="Pause"/> (unless the batch was full) so that a busy server writes a few large batches a second rather
/// than one small batch per store round trip, which cost logins on Redis + PostgreSQL a fifth of their throughput.
/// On shutdown it stores what is still queued before the store closes. A batch the store refuses is lost (and
/// counted): the audit log must not hold up logins by piling up behind a store that is down.
/// </summary>
internal sealed partial class AuditWriter(AuditTrail trail, ILogger<AuditWriter> logger) : BackgroundService
{
    public const int MaxBatch = 4096;

    /// <summary>How long the writer rests after a batch that was not full: how late an entry may be stored.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = trail.Queue;
        var batch = new List<AuditEntry>(MaxBatch);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken))
            {
                if (await DrainAsync(batch) < MaxBatch)
                {
                    // A rest for batching, on the real clock: not a "now" that tests move.
                    await Task.Delay(Pause, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the API has stopped answering, so what is queued now is all there will be.
            trail.Complete();
            await DrainAsync(batch);
        }
    }

    /// <summary>Stores what is queued, in batches; returns the size of the last one.</summary>
    private async Task<int> DrainAsync(List<AuditEntry> batch)
    {
        batch.Clear();
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
            if (batch.Count < MaxBatch)
            {
                break;
            }
        }
        return batch.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit entries lost: the store refused a batch of {Count}")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit entries dropped: {Count}, the queue of {Capacity} was full")]
    private static partial void LogDropped(ILogger logger, long count, int capacity);
}
