namespace OpenImAuth.Core;

/// <summary>
/// A store's readiness probe: one small round trip of the kind requests make, so that "ready" means the store
/// serves them now (the embedded file takes a write, Redis and PostgreSQL answer).
/// </summary>
public interface IStoreProbe
{
    /// <summary>The store's name in readiness answers and logs: <c>sqlite</c>, <c>redis</c> or <c>postgres</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Completes once the store has answered, or throws the driver's error. It may take as long as the driver's own
    /// timeouts; the caller bounds how long it waits.
    /// </summary>
    Task ProbeAsync(CancellationToken cancellationToken);
}
