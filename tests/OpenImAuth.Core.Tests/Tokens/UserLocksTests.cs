using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

public sealed class UserLocksTests
{
    // "Does not hang": a waiter that is never let in fails the test instead of stopping it.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Waiters_FailWithTheHoldersStoreTimeout_InsteadOfCallingTheStoreThemselves()
    {
        // Arrange: one holder; two callers wait for the same user's lock.
        var locks = new UserLocks(16);
        var stripe = locks.StripeOf("carol");
        await locks.EnterAsync(stripe, Ct);
        var waiting = new[] { locks.EnterAsync(stripe, Ct).AsTask(), locks.EnterAsync(stripe, Ct).AsTask() };
        var timeout = new TimeoutException("the store did not answer in time");

        // Act
        locks.Exit(stripe, timeout);

        // Assert: both fail with it, and the lock is free for a caller that came later.
        foreach (var waiter in waiting)
        {
            Assert.Same(timeout, await Assert.ThrowsAnyAsync<TimeoutException>(() => waiter.WaitAsync(Bound, Ct)));
        }
        await locks.EnterAsync(stripe, Ct).AsTask().WaitAsync(Bound, Ct);
        locks.Exit(stripe, null);
    }

    [Fact]
    public async Task Waiters_TakeTheLockInTurn_WhenTheHolderFailedOtherwise()
    {
        // Arrange
        var locks = new UserLocks(16);
        var stripe = locks.StripeOf("carol");
        await locks.EnterAsync(stripe, Ct);
        var waiter = locks.EnterAsync(stripe, Ct).AsTask();

        // Act: a failure that is not a timeout says nothing about whether the store answers now.
        locks.Exit(stripe, new InvalidOperationException("refused"));

        // Assert
        await waiter.WaitAsync(Bound, Ct);
        locks.Exit(stripe, null);
    }

    [Fact]
    public async Task ACallerArrivingAfterATimeout_TakesTheLock()
    {
        // Arrange: a timeout that ended before this caller asked.
        var locks = new UserLocks(16);
        var stripe = locks.StripeOf("carol");
        await locks.EnterAsync(stripe, Ct);
        locks.Exit(stripe, new TimeoutException());

        // Act + Assert
        await locks.EnterAsync(stripe, Ct).AsTask().WaitAsync(Bound, Ct);
        locks.Exit(stripe, null);
    }
}
