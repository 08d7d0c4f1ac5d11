using System.Diagnostics;
using OpenImAuth.Core.Concurrency;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// A read that every caller may share with the callers around it, yet never with a read sent before it asked
/// (<see cref="OneRoundInFlight{TCaller, TAwaited, TRound, TReply}"/>): while one read is in flight, callers queue for the next
/// one, and that one read answers all of them. A read that times out fails the round queued behind it as well.
/// </summary>
internal sealed class CoalescedRead<T>(Func<Task<T>> read) : OneRoundInFlight<long, Task<T>, CoalescedRead<T>.Round, T>
{
    private Round? _next;
    private Round? _last; // the last round that succeeded

    /// <summary>
    /// A read that started at or after <paramref name="notBefore"/> (a <see cref="Stopwatch"/> timestamp, or 0 for
    /// none): the last one that completed if it did, without waiting, else the next round. A request that began at
    /// <paramref name="notBefore"/> learns from it everything completed before it began.
    /// </summary>
    public Task<T> ReadAsync(long notBefore) => Join(notBefore);

    public Task<T> ReadAsync() => Join(0);

    protected override Task<T> Queue(long notBefore)
    {
        if (notBefore > 0 && Volatile.Read(ref _last) is { } last && last.Started >= notBefore)
        {
            return last.Task;
        }
        return (_next ??= new Round()).Task;
    }

    protected override bool HasQueued => _next is not null;

    protected override Round TakeQueued(bool all)
    {
        var round = _next!;
        _next = null;
        return round;
    }

    protected override Task<T> SendAsync(Round round)
    {
        round.Started = Stopwatch.GetTimestamp();
        return read();
    }

    protected override void Answer(Round round, T reply)
    {
        Volatile.Write(ref _last, round); // rounds run one at a time: each started after the one before
        round.TrySetResult(reply);
    }

    protected override void Fail(Round round, Exception failure) => round.TrySetException(failure);

    /// <summary>The callers of one read, and when it was sent.</summary>
    internal sealed class Round : TaskCompletionSource<T>
    {
        public long Started { get; set; }
    }
}
