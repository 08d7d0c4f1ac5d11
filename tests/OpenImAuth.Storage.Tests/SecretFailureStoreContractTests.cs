using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Security;

namespace OpenImAuth.Storage.Tests;

/// <summary>One suite for both lockout stores: in memory and in Redis count and lock out alike.</summary>
public abstract class SecretFailureStoreContractTests : IAsyncLifetime
{
    protected static readonly SecretLockoutPolicy Policy = new(10, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(300));

    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    protected ISecretFailureStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<ISecretFailureStore> CreateStoreAsync(SecretLockoutPolicy policy);

    /// <summary>Runs before the first store is created (a Redis database to lease).</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async ValueTask InitializeAsync()
    {
        await PrepareAsync();
        Store = await CreateStoreAsync(Policy);
    }

    public async ValueTask DisposeAsync()
    {
        await CleanUpAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task FailuresBelowTheMaximum_AreCounted_AndLockNothing()
    {
        var counts = new List<int>();
        for (var i = 0; i < 9; i++)
        {
            var failure = await Store.RecordFailureAsync("198.51.100.1", Ct);
            Assert.Null(failure.LockedUntil);
            counts.Add(failure.Failures);
        }

        Assert.Equal(Enumerable.Range(1, 9), counts);
        Assert.Null(await Store.LockedUntilAsync("198.51.100.1", Ct));
    }

    [Fact]
    public async Task TheMaximumthFailure_BeginsTheLockout_UntilItEnds()
    {
        // Arrange
        await FailAsync("198.51.100.1", 9);
        var expectedEnd = Time.GetUtcNow() + Policy.Lockout;

        // Act
        var tenth = await Store.RecordFailureAsync("198.51.100.1", Ct);

        // Assert: exactly this failure began it; it holds until its end, and not a moment after.
        Assert.Equal(new SecretFailure(10, expectedEnd), tenth);
        Assert.Equal(expectedEnd, await Store.LockedUntilAsync("198.51.100.1", Ct));
        Time.Advance(Policy.Lockout - TimeSpan.FromSeconds(1));
        Assert.Equal(expectedEnd, await Store.LockedUntilAsync("198.51.100.1", Ct));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await Store.LockedUntilAsync("198.51.100.1", Ct));
    }

    [Fact]
    public async Task WhileLockedOut_NothingIsCounted_AndAfterwardsCountingStartsAfresh()
    {
        await FailAsync("198.51.100.1", 10);

        var during = await Store.RecordFailureAsync("198.51.100.1", Ct);
        Time.Advance(Policy.Lockout);
        var after = await Store.RecordFailureAsync("198.51.100.1", Ct);

        Assert.Equal(new SecretFailure(0, null), during);
        Assert.Equal(new SecretFailure(1, null), after);
    }

    [Fact]
    public async Task FailuresOutsideTheWindow_StartANewOne()
    {
        await FailAsync("198.51.100.1", 9);
        Time.Advance(Policy.Window);

        var next = await Store.RecordFailureAsync("198.51.100.1", Ct);

        Assert.Equal(new SecretFailure(1, null), next);
        Assert.Null(await Store.LockedUntilAsync("198.51.100.1", Ct));
    }

    [Fact]
    public async Task Addresses_AreCountedApart()
    {
        await FailAsync("198.51.100.1", 10);

        var other = await Store.RecordFailureAsync("2001:db8::1", Ct);

        Assert.NotNull(await Store.LockedUntilAsync("198.51.100.1", Ct));
        Assert.Null(await Store.LockedUntilAsync("2001:db8::1", Ct));
        Assert.Equal(new SecretFailure(1, null), other);
    }

    [Fact]
    public async Task ConcurrentFailures_AreCountedExactly_AndBeginOneLockout()
    {
        var failures = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => Store.RecordFailureAsync("198.51.100.1", Ct).AsTask()));

        Assert.Single(failures, f => f.LockedUntil is not null);
        Assert.Equal(Enumerable.Range(1, 10), failures.Select(f => f.Failures).Where(n => n > 0).Order());
    }

    protected async Task FailAsync(string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await Store.RecordFailureAsync(address, Ct);
        }
    }
}
