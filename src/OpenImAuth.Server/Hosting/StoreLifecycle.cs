using OpenImAuth.Core.Users;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Storage.Redis;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Opens the configured store when the host starts, before anything serves (<see cref="StartingAsync"/> runs before any
/// hosted service's start, Kestrel's included), and closes it when the host is disposed, after every service that
/// used it has stopped. Opening is asynchronous (a SQLite file loaded into memory, Redis and PostgreSQL connected),
/// which no service factory may do; so the stores are this object's <see cref="Opened"/>, filled once, and the
/// services made on them are made after it (<see cref="HostedAfterStores"/> for hosted ones). Asking for a store
/// before the host started is a bug, and says so rather than handing out a null.
/// </summary>
internal sealed class StoreLifecycle(IStoreBackend backend, ServerSettings settings, TimeProvider time)
    : IHostedLifecycleService, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _resources = [];
    private OpenedStores? _opened;

    /// <summary>The stores, metered and cached as configured; throws before the host has started.</summary>
    public OpenedStores Opened => _opened ?? throw new InvalidOperationException(
        "The stores are opened when the host starts (StoreLifecycle.StartingAsync), and something asked for them before: " +
        "a hosted service built on them must be registered with AddHostedServiceAfterStores.");

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var opened = await backend.OpenAsync(settings, _resources, cancellationToken);
        var (tokens, users) = (opened.Tokens, opened.Users);
        if (settings.Prometheus.Enabled)
        {
            tokens = new MeteredTokenStateStore(tokens, backend.TokenStoreName);
            users = new MeteredUserStore(users, backend.UserStoreName);
        }
        if (opened.UserCache is { } userCache)
        {
            // Outside the metering: its timings stay those of PostgreSQL's own calls.
            users = new CachedUserStore(users, userCache);
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Configured administrators exist from start-up without registration (docs/decisions.md, D9); AppAdmin = 2.
        await users.EnsureRegisteredAsync(
            settings.Auth.Admins.Select(a => new UserRecord(a.UserId, a.Nickname, "", "", 2, 0, now)).ToList(),
            cancellationToken);
        _opened = opened with { Tokens = tokens, Users = users };
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Closes what was opened, last first (the SQLite writer commits what is queued). Here rather than in a stop
    /// method: the container disposes this after every service made on the stores (they were made after it), some of
    /// which still write while they are disposed, and also when start-up failed and nothing was stopped. It does so
    /// twice (this is registered as itself and as a hosted service): the second time finds nothing left to close.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var opened = _resources.ToArray();
        _resources.Clear();
        foreach (var resource in Enumerable.Reverse(opened))
        {
            await resource.DisposeAsync();
        }
    }
}
