namespace OpenImAuth.Core.Revocation;

/// <summary>
/// Durable revocation marks, shared by every instance. Marks only move forward: raising a scope's mark to an earlier
/// moment than it holds leaves it as it is. Every change, by any instance, is announced through <see cref="Changed"/>
/// on every instance (this one included), after it is durable.
/// </summary>
public interface IRevocationMarkStore
{
    /// <summary>Every mark in force, to start from.</summary>
    Task<IReadOnlyList<RevocationMark>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Raises the scope's mark to at least <paramref name="beforeMs"/>; answers the mark now in force.</summary>
    Task<RevocationMark> RaiseAsync(string userId, int platformId, long beforeMs, CancellationToken cancellationToken);

    /// <summary>Removes the scope's mark; false when it had none.</summary>
    Task<bool> ClearAsync(string userId, int platformId, CancellationToken cancellationToken);

    /// <summary>A scope's mark changed: the mark in force, or the scope with <see cref="RevocationMark.BeforeMs"/> 0 once cleared.</summary>
    event Action<RevocationMark>? Changed;

    /// <summary>
    /// Announcements may have been missed (the shared channel was interrupted): read every mark again.
    /// </summary>
    event Action? Resynchronize;
}
