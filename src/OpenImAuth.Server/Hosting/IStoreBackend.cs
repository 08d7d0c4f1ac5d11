using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// One way to store token state and users, registered under its <c>storage.kind</c> (<see cref="SqliteStores"/>,
/// <see cref="RedisStores"/>); <see cref="StoreLifecycle"/> opens the one the settings name.
/// </summary>
internal interface IStoreBackend
{
    /// <summary>The <c>store</c> label of the token store's timings (<c>openimauth_store_duration_seconds</c>).</summary>
    string TokenStoreName { get; }

    /// <summary>The <c>store</c> label of the user store's timings.</summary>
    string UserStoreName { get; }

    /// <summary>
    /// Opens every store. Each connection or file opened is added to <paramref name="resources"/> as soon as it is
    /// open, so that it is closed (in reverse order) even when a later one fails.
    /// </summary>
    Task<OpenedStores> OpenAsync(ServerSettings settings, List<IAsyncDisposable> resources, CancellationToken cancellationToken);
}
