using OpenImAuth.Server.Http;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// Registered-user lookups: misses that arrive while a store call is in flight share the next call. The store here
/// holds its first call until the test releases it, so what queues behind it is decided by the test, not by timing.
/// </summary>
public sealed class RegisteredUsersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Exists_AsksQueuedMissesInOneCall_WhileALookupIsInFlight()
    {
        // Arrange
        var store = new HeldUserStore("alice", "bob", "carol");
        var registered = new RegisteredUsers(store);
        var alice = registered.ExistsAsync("alice", Ct);
        Assert.Equal([["alice"]], store.Calls);

        // Act: these queue behind the held call, bob twice
        var queued = new[] { "bob", "carol", "bob", "nobody" }.Select(id => registered.ExistsAsync(id, Ct).AsTask()).ToArray();
        var queuedBeforeRelease = queued.Count(t => !t.IsCompleted);
        store.Release();

        // Assert: one call for all of them, each ID once, and each caller its own answer
        Assert.Equal(4, queuedBeforeRelease);
        var answers = await Task.WhenAll(queued);
        Assert.True(await alice);
        Assert.Equal([true, true, true, false], answers);
        Assert.Equal([["alice"], ["bob", "carol", "nobody"]], store.Calls);
    }

    [Fact]
    public async Task Exists_AsksAtMostMaxBatch_PerCall_OldestFirst()
    {
        // Arrange
        var ids = Enumerable.Range(0, RegisteredUsers.MaxBatch + 44).Select(i => $"user{i}").ToArray();
        var store = new HeldUserStore(ids);
        var registered = new RegisteredUsers(store);
        var first = registered.ExistsAsync("first", Ct);

        // Act
        var queued = ids.Select(id => registered.ExistsAsync(id, Ct).AsTask()).ToArray();
        store.Release();

        // Assert
        Assert.False(await first);
        Assert.All(await Task.WhenAll(queued), Assert.True);
        Assert.Equal([["first"], ids[..RegisteredUsers.MaxBatch], ids[RegisteredUsers.MaxBatch..]], store.Calls);
    }

    [Fact]
    public async Task Exists_FailsOnlyTheCallerOfTheFailedCall_WhenTheFirstCallFails()
    {
        // Arrange
        var failure = new InvalidOperationException("store down");
        var store = new HeldUserStore("alice", "bob") { FailingCall = 1, Failure = failure };
        var registered = new RegisteredUsers(store);
        var alice = registered.ExistsAsync("alice", Ct).AsTask();
        var bob = registered.ExistsAsync("bob", Ct).AsTask();
        var nobody = registered.ExistsAsync("nobody", Ct).AsTask();

        // Act
        store.Release();

        // Assert: the store's own exception reaches the caller (the route names the store from its type)
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => alice));
        Assert.True(await bob);
        Assert.False(await nobody);
    }

    [Fact]
    public async Task Exists_FailsEveryCallerOfTheFailedCall_AndAsksAgainAfterwards()
    {
        // Arrange
        var failure = new InvalidOperationException("store down");
        var store = new HeldUserStore("alice", "bob") { FailingCall = 2, Failure = failure };
        var registered = new RegisteredUsers(store);
        var alice = registered.ExistsAsync("alice", Ct).AsTask();
        var bob = registered.ExistsAsync("bob", Ct).AsTask();
        var nobody = registered.ExistsAsync("nobody", Ct).AsTask();

        // Act
        store.Release();

        // Assert
        Assert.True(await alice);
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => bob));
        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => nobody));
        Assert.True(await registered.ExistsAsync("bob", Ct)); // a failure is not remembered, and lookups go on
        Assert.Equal([["alice"], ["bob", "nobody"], ["bob"]], store.Calls);
    }

    [Fact]
    public async Task Exists_FailsTheCallersQueuedBehindACallThatTimedOut_WithoutAskingAgain()
    {
        // Arrange: the first call is held, and will time out; two more callers queue behind it.
        var timeout = new TimeoutException("the store did not answer in time");
        var store = new HeldUserStore("alice", "bob") { FailingCall = 1, Failure = timeout };
        var registered = new RegisteredUsers(store);
        var alice = registered.ExistsAsync("alice", Ct).AsTask();
        var queued = new[] { "bob", "nobody" }.Select(id => registered.ExistsAsync(id, Ct).AsTask()).ToArray();

        // Act
        store.Release();

        // Assert: they asked while the store left the call unanswered, so they fail with it rather than each waiting
        // for a timeout of their own; a later question is asked again.
        Assert.Same(timeout, await Assert.ThrowsAsync<TimeoutException>(() => alice));
        foreach (var caller in queued)
        {
            Assert.Same(timeout, await Assert.ThrowsAnyAsync<TimeoutException>(() => caller.WaitAsync(TimeSpan.FromSeconds(30), Ct)));
        }
        Assert.Equal([["alice"]], store.Calls);
        Assert.True(await registered.ExistsAsync("bob", Ct));
        Assert.Equal([["alice"], ["bob"]], store.Calls);
    }

    [Fact]
    public async Task Exists_RemembersOnlyRegisteredUsers()
    {
        // Arrange
        var store = new HeldUserStore("alice");
        var registered = new RegisteredUsers(store);
        store.Release();
        await registered.ExistsAsync("alice", Ct);
        await registered.ExistsAsync("nobody", Ct);

        // Act
        var aliceAgain = await registered.ExistsAsync("alice", Ct);
        var nobodyAgain = await registered.ExistsAsync("nobody", Ct);

        // Assert: a user not registered yet may be by the next question, so only "nobody" is asked again
        Assert.True(aliceAgain);
        Assert.False(nobodyAgain);
        Assert.Equal([["alice"], ["nobody"], ["nobody"]], store.Calls);
    }

    [Fact]
    public async Task Exists_AnswersTheOthers_WhenOneQueuedCallerGivesUp()
    {
        // Arrange
        var store = new HeldUserStore("alice", "bob", "carol");
        var registered = new RegisteredUsers(store);
        var alice = registered.ExistsAsync("alice", Ct).AsTask();
        using var bobGivesUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var bob = registered.ExistsAsync("bob", bobGivesUp.Token).AsTask();
        var carol = registered.ExistsAsync("carol", Ct).AsTask();

        // Act
        await bobGivesUp.CancelAsync();
        store.Release();

        // Assert: bob stops waiting; the shared call is not cancelled with him
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bob);
        Assert.True(await alice);
        Assert.True(await carol);
        Assert.Equal([["alice"], ["bob", "carol"]], store.Calls);
        Assert.False(store.AnyCallCancellable);
    }
}
