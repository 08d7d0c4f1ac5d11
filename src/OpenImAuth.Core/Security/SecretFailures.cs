namespace OpenImAuth.Core.Security;

/// <summary>
/// When wrong secrets lock an address out: <paramref name="MaxFailures"/> of them within <paramref name="Window"/> of
/// the first one lock it out for <paramref name="Lockout"/>.
/// </summary>
public sealed record SecretLockoutPolicy(int MaxFailures, TimeSpan Window, TimeSpan Lockout)
{
    public static readonly SecretLockoutPolicy Default = new(10, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(300));
}

/// <summary>What counting one wrong secret did: the failures in the address's window, and the lockout it began.</summary>
/// <param name="Failures">Wrong secrets counted in the current window, this one included; 0 when the address was already locked out.</param>
/// <param name="LockedUntil">When the lockout that this very failure began ends; null when it began none.</param>
public readonly record struct SecretFailure(int Failures, DateTimeOffset? LockedUntil);

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
