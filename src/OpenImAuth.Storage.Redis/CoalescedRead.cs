namespace OpenImAuth.Storage.Redis;

/// <summary>
/// A read that every caller may share with the callers around it, yet never with a read sent before it asked: a
/// caller gets the result of a read that started after its call, so what it learns is at least as new as anything
/// completed before it asked (linearizable, like Raft's batched ReadIndex). While one read is in flight, callers
/// queue for the next one, and that one read answers all of them: one round trip per round, not per caller.
/// </summary>
internal sealed class CoalescedRead<T>(Func<Task<T>> read)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<T>? _next;
    private bool _reading;

    public Task<T> ReadAsync()
    {
        TaskCompletionSource<T> round;
        lock (_gate)
        {
            round = _next ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
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
        while (true)
        {
            try
            {
                round.TrySetResult(await read());
            }
            catch (Exception ex)
            {
                // Every caller of this round sees the failure; the next round tries again.
                round.TrySetException(ex);
            }
            lock (_gate)
            {
                if (_next is null)
                {
                    _reading = false;
                    return;
                }
                round = _next;
                _next = null;
            }
        }
    }
}
