using OpenImAuth.Core.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenImAuth.Server.Hosting;
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

    [Fact]
    public async Task LearnRegistered_RemembersEveryRegisteredUser_AcrossPages_SoLookupsSkipTheStore()
    {
        // Arrange: five users, read two at a time
        var store = new HeldUserStore("alice", "bob", "carol", "dave", "erin");
        var registered = new RegisteredUsers(store);

        // Act
        var read = await registered.LearnRegisteredAsync(Ct, pageSize: 2);

        // Assert: three pages; the registered are answered without a store call, anyone else still asks the store
        Assert.Equal(5, read);
        Assert.Equal([(0, 2), (2, 2), (4, 2)], store.Pages);
        Assert.All(await Task.WhenAll(store.Registered.Select(id => registered.ExistsAsync(id, Ct).AsTask())), Assert.True);
        Assert.Empty(store.Calls);
        store.Release();
        Assert.False(await registered.ExistsAsync("mallory", Ct));
        Assert.Equal([["mallory"]], store.Calls);
    }

    [Fact]
    public async Task RestartedServer_RemembersTheUsersRegisteredBefore_WithoutALogin()
    {
        // Arrange: users registered by an earlier run on the same embedded store
        var dataDir = Directory.CreateTempSubdirectory("openimauth-test-").FullName;
        try
        {
            await using (var earlier = new AuthApplication("v3", ("storage:dataDir", dataDir)))
            {
                await earlier.RegisterAsync("alice", "bob");
            }

            // Act
            await using var app = new AuthApplication("v3", ("storage:dataDir", dataDir));
            _ = app.Server; // starts the host
            var warmUp = app.Services.GetServices<IHostedService>().OfType<RegisteredUsersWarmUp>().Single();
            await warmUp.ExecuteTask!.WaitAsync(Ct);

            // Assert
            var registered = app.Services.GetRequiredService<AuthServices>().Registered;
            Assert.True(registered.Remembers("alice"));
            Assert.True(registered.Remembers("bob"));
            Assert.False(registered.Remembers("carol"));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Registration_RemembersTheNewUsers_OnlyWhenItSucceeds()
    {
        // Arrange
        await using var app = new AuthApplication();
        await app.RegisterAsync("alice");
        var registered = app.Services.GetRequiredService<AuthServices>().Registered;

        // Act: bob with alice again fails as a whole (1102), so bob is not registered
        var refused = await app.PostAsync("/user/user_register", new
        {
            secret = AuthApplication.Secret,
            users = new[] { new { userID = "bob", nickname = "b" }, new { userID = "alice", nickname = "a" } },
        });

        // Assert
        refused.AssertError(1102);
        Assert.True(registered.Remembers("alice"));
        Assert.False(registered.Remembers("bob"));
    }

    /// <summary>
    /// Holds its first <see cref="FindManyAsync"/> until <see cref="Release"/>; later calls answer at once. Fails the
    /// call numbered <see cref="FailingCall"/> (1-based) with <see cref="Failure"/>.
    /// </summary>
    private sealed class HeldUserStore(params string[] registered) : IUserStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string[]> _calls = [];

        public string[] Registered => registered;

        /// <summary>The (skip, take) of every <see cref="ListIdsAsync"/> call.</summary>
        public List<(int Skip, int Take)> Pages { get; } = [];

        public int FailingCall { get; init; }

        public Exception? Failure { get; init; }

        public bool AnyCallCancellable { get; private set; }

        public string[][] Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public void Release() => _release.SetResult();

        public async Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
        {
            int call;
            lock (_calls)
            {
                _calls.Add([.. userIds]);
                call = _calls.Count;
                AnyCallCancellable |= cancellationToken.CanBeCanceled;
            }
            if (call == 1)
            {
                await _release.Task;
            }
            if (call == FailingCall)
            {
                throw Failure!;
            }
            return userIds.Where(registered.Contains).Select(id => new UserRecord(id, id, "", "", 0, 0, 0)).ToList();
        }

        public Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken)
        {
            Pages.Add((skip, take));
            return Task.FromResult(new UserPage<string>(registered.Length, registered.Skip(skip).Take(take).ToList()));
        }
    }
}
