using System.Collections.Concurrent;
using OpenImAuth.Core.Revocation;

namespace OpenImAuth.Server.Sessions;

/// <summary>
/// The last use of each token (a gateway connect or an authenticated request), kept in memory as it happens and
/// written to the store once a second, so a request pays one dictionary write at most once a second per token and
/// never waits for the store. What is not yet written is read from here as well, so this instance's own answers are
/// current at once; another instance's at most a second late. A revocation of one token is written at once.
/// </summary>
internal sealed partial class SessionActivity(ISessionNoteStore store, TimeProvider time, ILogger<SessionActivity> logger)
    : BackgroundService
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private volatile ConcurrentDictionary<string, SessionNote> _pending = new(StringComparer.Ordinal);

    // The batch being written: still read from here until the store has it, so no read falls between the two. The
    // lock makes the hand-over atomic for readers; Seen does not take it (a use that lands in a batch already taken
    // is lost, and the next one a second later is not).
    private readonly Lock _handOver = new();
    private ConcurrentDictionary<string, SessionNote>? _writing;

    public ISessionNoteStore Store => store;

    /// <summary>The token was used now from <paramref name="address"/>.</summary>
    public void Seen(string userId, string token, string address)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var pending = _pending;
        // Once a second per token is enough for "last seen", and keeps the allocation off most requests.
        if (!pending.TryGetValue(token, out var held) || now - held.LastSeenMs >= FlushInterval.TotalMilliseconds || held.LastSeenAddress != address)
        {
            pending[token] = new SessionNote(userId, token, now, address, Revoked: false);
        }
    }

    /// <summary>Records durably that an administrator revoked the token by itself (shown as "revoked").</summary>
    public Task RevokedAsync(string userId, string token, CancellationToken cancellationToken) =>
        store.WriteAsync([new SessionNote(userId, token, 0, "", Revoked: true)], cancellationToken);

    /// <summary>The user's notes: the store's, with this instance's unwritten uses over them.</summary>
    public async Task<IReadOnlyDictionary<string, SessionNote>> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(userId, cancellationToken);
        var merged = new Dictionary<string, SessionNote>(stored, StringComparer.Ordinal);
        IEnumerable<SessionNote> unwritten;
        lock (_handOver)
        {
            unwritten = [.. _writing?.Values ?? [], .. _pending.Values];
        }
        foreach (var note in unwritten)
        {
            if (note.UserId != userId)
            {
                continue;
            }
            merged[note.Token] = merged.TryGetValue(note.Token, out var held)
                ? held with
                {
                    LastSeenMs = Math.Max(held.LastSeenMs, note.LastSeenMs),
                    LastSeenAddress = note.LastSeenMs >= held.LastSeenMs ? note.LastSeenAddress : held.LastSeenAddress,
                }
                : note;
        }
        return merged;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A cadence in real time, not on the app's clock: a clock that jumps (a test's fake one, by days) would fire a
        // periodic timer once for every second skipped, millions of flushes in one jump.
        using var timer = new PeriodicTimer(FlushInterval, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await FlushAsync(CancellationToken.None); // what the last second saw
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }
        ConcurrentDictionary<string, SessionNote> batch;
        lock (_handOver)
        {
            batch = _writing = _pending;
            _pending = new ConcurrentDictionary<string, SessionNote>(StringComparer.Ordinal);
        }
        try
        {
            await store.WriteAsync([.. batch.Values], cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(logger, ex, batch.Count); // "last seen" is a hint: a lost second is not worth a retry queue
        }
        finally
        {
            lock (_handOver)
            {
                _writing = null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the last use of {Count} sessions")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int count);
}
