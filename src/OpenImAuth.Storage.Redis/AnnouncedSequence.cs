namespace OpenImAuth.Storage.Redis;

/// <summary>
/// How far this instance has applied a numbered stream of announcements (a Redis counter that every write of ours
/// increments and publishes in the same script), so that a cache can tell whether memory already reflects every
/// write completed before a read: it has, once the number the read found is applied (docs/decisions.md, D7, D16).
/// <para>
/// A read whose number is not applied yet waits briefly for the announcement on its way, then goes to the store.
/// When the number stays ahead for long, the announcements were lost (the subscription was down): memory is
/// dropped and the number counted as applied, since an empty memory is trivially current.
/// </para>
/// </summary>
internal sealed class AnnouncedSequence(TimeProvider time, Action forgetAll)
{
    // How long the number may stay ahead of what arrived before the gap is taken as lost messages.
    private static readonly TimeSpan LostMessageWait = TimeSpan.FromSeconds(1);

    // How long a read waits for an announcement that is on its way (usually well under a millisecond) before it
    // reads the store itself instead.
    private static readonly TimeSpan InFlightWait = TimeSpan.FromMilliseconds(50);

    private long _applied;
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _behindSince = -1;

    /// <summary>Whether every announcement up to <paramref name="sequence"/> was applied, waiting briefly for one on its way.</summary>
    public async ValueTask<bool> IsUpToAsync(long sequence)
    {
        // The wait for an announcement on its way is timed by the real clock, whatever clock the host runs on: it
        // waits for the network, not for business time, and on a clock that does not move (a test's fake one) an
        // announcement that never comes would hold the read forever instead of sending it to the store.
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var advanced = Volatile.Read(ref _advanced).Task; // before reading _applied, so no advance is missed
            if (sequence <= Volatile.Read(ref _applied))
            {
                Volatile.Write(ref _behindSince, -1);
                return true;
            }
            var remaining = InFlightWait - TimeProvider.System.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            try
            {
                await advanced.WaitAsync(remaining, TimeProvider.System);
            }
            catch (TimeoutException)
            {
                break;
            }
        }
        var now = time.GetTimestamp();
        var since = Interlocked.CompareExchange(ref _behindSince, now, -1);
        if (since != -1 && time.GetElapsedTime(since, now) > LostMessageWait)
        {
            forgetAll();
            Advance(sequence);
            Volatile.Write(ref _behindSince, -1);
        }
        return false;
    }

    /// <summary>
    /// One announcement, after its changes were forgotten: a number beyond the next means announcements were lost,
    /// so anything remembered may be stale.
    /// </summary>
    public void Apply(long sequence)
    {
        if (sequence > Volatile.Read(ref _applied) + 1)
        {
            forgetAll();
        }
        Advance(sequence);
    }

    /// <summary>Counts everything up to <paramref name="sequence"/> as applied (a start, or memory just dropped).</summary>
    public void Advance(long sequence)
    {
        var applied = Volatile.Read(ref _applied);
        while (sequence > applied)
        {
            var seen = Interlocked.CompareExchange(ref _applied, sequence, applied);
            if (seen == applied)
            {
                // Wake the reads waiting for this announcement; later ones wait on a fresh signal.
                Interlocked.Exchange(ref _advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
                    .TrySetResult();
                return;
            }
            applied = seen;
        }
    }
}
