namespace OpenImAuth.Core.Concurrency;

/// <summary>
/// One round at a time (a store read, a Redis script), shared by the callers who arrive while the one before it is in
/// flight: they queue, and when a round ends the next one takes them together, as a group commit does for a disk. A
/// caller is answered by a round that started after it arrived, never by one sent before it asked, so what it learns
/// is at least as new as anything completed before it asked (linearizable, like Raft's batched ReadIndex). A busy
/// store pays one round trip per round, not per caller.
/// <para>
/// A round that fails fails its own callers with its exception, and the next round goes ahead; unless it timed out
/// (<see cref="FailsQueued"/>): then the callers queued behind it fail with it too, unsent. They arrived while it
/// waited, so the store has left them unanswered no longer than its timeout, where a round of their own would keep
/// them waiting for a second one: every caller of a store that hangs is answered within one timeout. Rounds take no
/// caller's cancellation token: a caller who stops waiting leaves the round to the others.
/// </para>
/// </summary>
/// <typeparam name="TCaller">What a caller brings to <see cref="Join"/>.</typeparam>
/// <typeparam name="TAwaited">What <see cref="Join"/> gives the caller to wait on.</typeparam>
/// <typeparam name="TRound">The callers one round answers, taken from the queue together.</typeparam>
/// <typeparam name="TReply">What the store answers a round.</typeparam>
public abstract class OneRoundInFlight<TCaller, TAwaited, TRound, TReply>
    where TRound : class
{
    private readonly Lock _gate = new();
    private bool _inFlight;

    /// <summary>Queues <paramref name="caller"/> for the next round, and starts that round if none is in flight.</summary>
    protected TAwaited Join(TCaller caller)
    {
        TAwaited awaited;
        TRound? round = null;
        lock (_gate)
        {
            awaited = Queue(caller);
            if (!_inFlight && HasQueued)
            {
                _inFlight = true;
                round = TakeQueued(all: false);
            }
        }
        if (round is not null)
        {
            _ = RunAsync(round, afterAnother: false); // never throws: failures go to the round's callers
        }
        return awaited;
    }

    /// <summary>
    /// Under the gate: adds the caller to the queue, and returns what it waits on. It may instead answer at once
    /// without queuing (a completed round it may share), leaving <see cref="HasQueued"/> as it was.
    /// </summary>
    protected abstract TAwaited Queue(TCaller caller);

    /// <summary>Under the gate: whether a caller waits for the next round.</summary>
    protected abstract bool HasQueued { get; }

    /// <summary>
    /// Under the gate: takes the queued callers out of the queue: as many as one round answers, oldest first, or with
    /// <paramref name="all"/> every one (to fail them with a round that timed out).
    /// </summary>
    protected abstract TRound TakeQueued(bool all);

    /// <summary>Sends the round to the store (one at a time, and never under the gate).</summary>
    protected abstract Task<TReply> SendAsync(TRound round);

    /// <summary>Gives the callers of a round that succeeded their answers from the store's <paramref name="reply"/>.</summary>
    protected abstract void Answer(TRound round, TReply reply);

    /// <summary>Fails the callers of a round that failed, or of one queued behind a round that timed out.</summary>
    protected abstract void Fail(TRound round, Exception failure);

    /// <summary>Whether <paramref name="failure"/> of a round fails the callers queued behind it too: a timeout.</summary>
    protected virtual bool FailsQueued(Exception failure) => failure is TimeoutException;

    /// <summary>
    /// Whether a round that follows another starts on the thread pool rather than on the thread that ended the one
    /// before: for a store that may answer synchronously, which would otherwise keep one caller's thread serving every
    /// round queued after its own. A store that always answers asynchronously needs no such hop.
    /// </summary>
    protected virtual bool YieldsBetweenRounds => false;

    private async Task RunAsync(TRound round, bool afterAnother)
    {
        if (afterAnother && YieldsBetweenRounds)
        {
            await Task.Yield();
        }
        Exception? error = null;
        TReply reply = default!;
        try
        {
            reply = await SendAsync(round);
        }
        catch (Exception ex)
        {
            error = ex; // each caller decides what a failed round means for it
        }
        TRound? next = null;
        TRound? failedBehind = null;
        lock (_gate)
        {
            if (error is not null && HasQueued && FailsQueued(error))
            {
                failedBehind = TakeQueued(all: true);
            }
            if (HasQueued)
            {
                next = TakeQueued(all: false);
            }
            _inFlight = next is not null;
        }
        if (next is not null)
        {
            // Everyone in the next round arrived before this point, so it may start now, before this round's callers
            // run on (they may run inline below, one after another, rather than each as a thread-pool item).
            _ = RunAsync(next, afterAnother: true);
        }
        if (error is null)
        {
            Answer(round, reply);
        }
        else
        {
            Fail(round, error);
            if (failedBehind is not null)
            {
                Fail(failedBehind, error);
            }
        }
    }
}
