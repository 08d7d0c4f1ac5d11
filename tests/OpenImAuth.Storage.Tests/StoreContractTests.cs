namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The life of a store under one contract test: a new, empty store before the test, closed and deleted after it. A
/// contract derives from this class and states what every backend must do; a backend's class derives from the
/// contract and says only how to open its store, so the tests themselves run unchanged on every backend.
/// </summary>
public abstract class StoreContractTests<TStore> : IAsyncLifetime where TStore : class
{
    protected TStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store with data of its own.</summary>
    protected abstract Task<TStore> CreateStoreAsync();

    /// <summary>
    /// The same durable data, opened again as after a restart or by another instance. Contracts that never restart
    /// leave it unimplemented.
    /// </summary>
    protected virtual Task<TStore> ReopenStoreAsync() =>
        throw new NotSupportedException($"{GetType().Name} does not reopen its store");

    /// <summary>Closes every store the test opened and deletes their data.</summary>
    protected abstract ValueTask DisposeStoreAsync();

    /// <summary>Replaces <see cref="Store"/> by the same data opened again.</summary>
    protected async Task RestartAsync() => Store = await ReopenStoreAsync();

    public virtual async ValueTask InitializeAsync() => Store = await CreateStoreAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }
}
