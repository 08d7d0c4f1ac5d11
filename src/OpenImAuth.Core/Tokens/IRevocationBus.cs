namespace OpenImAuth.Core.Tokens;

/// <summary>
/// Carries revocations (multi-login kicks, force_logout) to every instance, this one included, so that each can
/// close the gateway connections it holds for a revoked token. One instance alone uses
/// <see cref="LocalRevocationBus"/>; scaled out, the bus is Redis pub/sub.
/// </summary>
public interface IRevocationBus
{
    /// <summary>Raised on every instance for every published revocation, including this instance's own.</summary>
    event Action<IReadOnlyList<StoredToken>>? Revoked;

    /// <summary>
    /// Raised when the channel was interrupted and works again: revocations published meanwhile may have been
    /// missed, so whoever acts on <see cref="Revoked"/> must re-check what it holds against the token store.
    /// </summary>
    event Action? Resynchronize;

    /// <summary>
    /// Raised with the users whose token state anyone changed (this service, another instance, or a Go OpenIM node
    /// sharing the store), when the store announces such changes; holders of their tokens should check them again.
    /// </summary>
    event Action<IReadOnlyList<string>>? TokensChanged;

    /// <summary>Publishes revoked tokens; the revocation itself must already be durable in the token store.</summary>
    Task PublishAsync(IReadOnlyList<StoredToken> revoked, CancellationToken cancellationToken);
}
