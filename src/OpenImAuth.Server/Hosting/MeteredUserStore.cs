using System.Diagnostics;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Server.Hosting;

/// <summary>A user store whose every call is timed; operations are named <c>user_…</c>.</summary>
internal sealed class MeteredUserStore(IUserStore inner, string storeName) : IUserStore
{
    private readonly StoreOperation _find = new(storeName, "user_find");
    private readonly StoreOperation _findMany = new(storeName, "user_find_many");
    private readonly StoreOperation _register = new(storeName, "user_register");
    private readonly StoreOperation _ensure = new(storeName, "user_ensure_registered");
    private readonly StoreOperation _update = new(storeName, "user_update");
    private readonly StoreOperation _list = new(storeName, "user_list");
    private readonly StoreOperation _listIds = new(storeName, "user_list_ids");
    private readonly StoreOperation _listIdsAfter = new(storeName, "user_list_ids_after");

    public Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken) =>
        _find.Time(Stopwatch.GetTimestamp(), inner.FindAsync(userId, cancellationToken));

    public Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken) =>
        _findMany.Time(Stopwatch.GetTimestamp(), inner.FindManyAsync(userIds, cancellationToken));

    public Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        _register.Time(Stopwatch.GetTimestamp(), inner.RegisterAsync(users, cancellationToken));

    public Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        _ensure.Time(Stopwatch.GetTimestamp(), inner.EnsureRegisteredAsync(users, cancellationToken));

    public Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken) =>
        _update.Time(Stopwatch.GetTimestamp(), inner.UpdateAsync(userId, update, cancellationToken));

    public Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken) =>
        _list.Time(Stopwatch.GetTimestamp(), inner.ListAsync(filter, skip, take, cancellationToken));

    public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken) =>
        _listIds.Time(Stopwatch.GetTimestamp(), inner.ListIdsAsync(skip, take, cancellationToken));

    public Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken) =>
        _listIdsAfter.Time(Stopwatch.GetTimestamp(), inner.ListIdsAfterAsync(after, take, cancellationToken));
}
