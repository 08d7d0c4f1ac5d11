namespace OpenImAuth.Core.Users;

/// <summary>
/// Durable user records. A write returns only once it is durable and visible to every later read.
/// Listing order is registration order.
/// </summary>
public interface IUserStore
{
    /// <summary>The user, or <c>null</c> if not registered.</summary>
    Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken);

    /// <summary>The registered users among <paramref name="userIds"/>, in the order asked, each once.</summary>
    Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken);

    /// <summary>
    /// Registers all of <paramref name="users"/> or none: returns <c>null</c> on success, or the ID of a user that is
    /// already registered (and then stores nothing).
    /// </summary>
    Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken);

    /// <summary>Registers each user that is not registered yet; leaves existing ones untouched.</summary>
    Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="update"/>; returns <c>false</c> if the user is not registered.</summary>
    Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken);

    Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken);

    Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="take"/> user IDs registered after position <paramref name="after"/> (0: from the first),
    /// oldest first. Unlike <see cref="ListIdsAsync"/>, a user registered meanwhile is never skipped.
    /// </summary>
    Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken);
}
