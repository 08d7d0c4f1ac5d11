using System.Diagnostics;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// A read that every caller may share with the callers around it, yet never with a read sent before it asked: a
/// caller gets the result of a read that started after its call, so what it learns is at least as new as anything
/// completed before it asked (linearizable, like Raft's batched ReadIndex). While one read is in flight, callers
/// queue for the next one, and that one read answers all of them: one round trip per round, not per caller.
/// <para>
/// A read that times out fails the round queued behind it as well, instead of starting it: those callers asked while
/// it was waiting, so the store has left them unanswered no longer than the timeout, and a read of their own would
/// keep them waiting for a second one. Every caller of a store that hangs is answered within one timeout.
/// </para>
/// </summary>
internal sealed class CoalescedRead<T>(Func<Task<T>> read)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<T>? _next;
    private bool _reading;
    private (long Started, Task<T>? Answer) _last; // the last round that succeeded, and when it was sent

    /// <summary>
    /// A read that started at or after <paramref name="notBefore"/> (a <see cref="Stopwatch"/> timestamp): the last
    /// one that completed if it did, without waiting, else the next round. A request that began at
    /// <paramref name="notBefore"/> learns from it everything completed before it began.
    /// </summary>
    public Task<T> ReadAsync(long notBefore)
    {
        lock (_gate)
        {
            if (notBefore > 0 && _last.Started >= notBefore)
            {
                return _last.Answer!;
            }
        }
        return ReadAsync();
    }

    public Task<T> ReadAsync()
    {
        TaskCompletionSource<T> round;
        lock (_gate)
        {
            round = _next ??= new TaskCompletionSource<T>();
            if (_reading)
            {
                // The read in flight may have been sent before this call; wait for the next round.
                return round.Task;
            }
            _reading = true;
            _next = null;
        }
        _ = RunRoundsAsync(round);
        return round.Task;
    }

    private async Task RunRoundsAsync(TaskCompletionSource<T> round)
    {
        T result = default!;
        Exception? error = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            result = await read();
        }
        catch (Exception ex)
        {
            error = ex; // every caller of this round sees the failure; the next round tries again
        }
        TaskCompletionSource<T>? next;
        var failsNext = error is TimeoutException;
        lock (_gate)
        {
            next = _next;
            _next = null;
            _reading = next is not null && !failsNext;
            if (error is null)
            {
                _last = (started, round.Task); // rounds run one at a time: each started after the one before
            }
        }
        if (next is not null && !failsNext)
        {
            // Everyone in the next round asked before this point, so its read may start now, before this round's
            // callers run on (they run inline below, one after another, rather than each as a thread-pool item).
            _ = RunRoundsAsync(next);
        }
        if (error is null)
        {
            round.TrySetResult(result);
        }
        else
        {
            round.TrySetException(error);
            if (failsNext)
            {
                next?.TrySetException(error);
            }
        }
    }
}
