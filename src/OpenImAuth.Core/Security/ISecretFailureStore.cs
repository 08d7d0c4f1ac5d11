namespace OpenImAuth.Core.Security;

/// <summary>
/// Wrong secrets counted per client address, and the lockouts they lead to. Alone, one instance's memory holds them;
/// scaled out, Redis does, so that every instance counts and refuses alike. "Now" is the store's
/// <see cref="TimeProvider"/>.
/// </summary>
public interface ISecretFailureStore
{
    /// <summary>When the address's lockout ends, or null when it is not locked out now.</summary>
    ValueTask<DateTimeOffset?> LockedUntilAsync(string address, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one wrong secret from <paramref name="address"/>; the one that reaches the policy's maximum ends the
    /// window and begins the lockout. Nothing is counted while the address is locked out.
    /// </summary>
    ValueTask<SecretFailure> RecordFailureAsync(string address, CancellationToken cancellationToken);
}
