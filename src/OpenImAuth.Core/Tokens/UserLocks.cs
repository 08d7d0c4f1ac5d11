using System.Runtime.ExceptionServices;
using OpenImAuth.Core.Errors;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Per-user serialisation of token writes, striped to bound memory. A holder whose store call timed out fails the
/// callers that were waiting for the lock meanwhile with the same timeout, instead of letting each make a call of its
/// own: they asked while the store left that call unanswered, and one after another they would each wait a whole
/// timeout more (five logins of one user on a hung store took five timeouts, the last one answered after all of them).
/// </summary>
internal sealed class UserLocks(int stripes)
{
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    // Per stripe, the latest store timeout of a holder, in a new object each time (one exception may reach several
    // holders from a shared read), so that a waiter sees whether one ended while it waited by comparing references.
    private readonly TimedOut?[] _timedOut = new TimedOut?[stripes];

    public int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % (uint)_locks.Length);

    /// <summary>Takes the stripe's lock, or throws the store timeout of a holder that ended while this call waited.</summary>
    public async ValueTask EnterAsync(int stripe, CancellationToken cancellationToken)
    {
        var seen = Volatile.Read(ref _timedOut[stripe]);
        await _locks[stripe].WaitAsync(cancellationToken);
        var latest = Volatile.Read(ref _timedOut[stripe]);
        if (!ReferenceEquals(latest, seen))
        {
            _locks[stripe].Release();
            ExceptionDispatchInfo.Throw(latest!.Failure);
        }
    }

    /// <summary>Releases the stripe's lock; <paramref name="failure"/> is what the holder's work failed with, if it did.</summary>
    public void Exit(int stripe, Exception? failure)
    {
        if (failure is not null && StoreTimeouts.IsTimeout(failure))
        {
            // Under the lock: every waiter reads it only after taking the lock, and read its predecessor before waiting.
            Volatile.Write(ref _timedOut[stripe], new TimedOut(failure));
        }
        _locks[stripe].Release();
    }

    private sealed record TimedOut(Exception Failure);
}
