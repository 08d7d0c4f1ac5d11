using System.Data.Common;

namespace OpenImAuth.Core.Users;

/// <summary>An OpenIM user (sdkws.UserInfo). <see cref="CreateTime"/> is Unix milliseconds.</summary>
public sealed record UserRecord(
    string UserId,
    string Nickname,
    string FaceUrl,
    string Extra,
    int AppMangerLevel,
    int GlobalRecvMsgOpt,
    long CreateTime);

/// <summary>The fields an update may change; <c>null</c> leaves a field as it is.</summary>
public sealed record UserUpdate(string? Nickname, string? FaceUrl, string? Extra, int? GlobalRecvMsgOpt);

/// <summary>A page of users and the count of all users matching the same filter.</summary>
public sealed record UserPage<T>(long Total, IReadOnlyList<T> Items);

/// <summary>
/// User IDs in registration order, and where the next read continues: a position, not a count, so that reading on
/// costs the same however far into the table it is.
/// </summary>
public sealed record UserIdRun(IReadOnlyList<string> UserIds, long Next)
{
    /// <summary>Runs <paramref name="command"/>, whose rows are (position, user ID) in position order.</summary>
    public static async Task<UserIdRun> ReadAsync(DbCommand command, long after, CancellationToken cancellationToken)
    {
        var userIds = new List<string>();
        var next = after;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            next = reader.GetInt64(0);
            userIds.Add(reader.GetString(1));
        }
        return new UserIdRun(userIds, next);
    }
}

/// <summary>What <see cref="IUserStore.ListAsync"/> returns: case-insensitive substring filters, OR-ed when both are set.</summary>
public sealed record UserFilter(string? UserIdContains, string? NicknameContains, bool OrdinaryUsersOnly);

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
