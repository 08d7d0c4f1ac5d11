namespace OpenImAuth.Core.Security;

/// <summary>What counting one wrong secret did: the failures in the address's window, and the lockout it began.</summary>
/// <param name="Failures">Wrong secrets counted in the current window, this one included; 0 when the address was already locked out.</param>
/// <param name="LockedUntil">When the lockout that this very failure began ends; null when it began none.</param>
public readonly record struct SecretFailure(int Failures, DateTimeOffset? LockedUntil);
