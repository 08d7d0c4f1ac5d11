using OpenImAuth.Core.Users;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// The users of <paramref name="inner"/> (PostgreSQL) with lookups served by <paramref name="cache"/> and every change
/// announced through it, as OpenIM deletes and announces its own user cache keys (docs/decisions.md, D16). Listings
/// read <paramref name="inner"/> itself.
/// </summary>
public sealed class CachedUserStore(IUserStore inner, RedisUserCache cache) : IUserStore
{
    public async Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken)
    {
        var found = await FindManyAsync([userId], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken) =>
        cache.FindManyAsync(userIds, ids => inner.FindManyAsync(ids, cancellationToken));

    public async Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken)
    {
        var existing = await inner.RegisterAsync(users, cancellationToken);
        if (existing is null)
        {
            // Nothing of ours remembers an unregistered user, but a Go node's rockscache keeps "not found" for a while.
            var userIds = users.Select(u => u.UserId).ToList();
            await cache.AnnounceAsync(userIds);
            _ = RememberAsync(userIds);
        }
        return existing;
    }

    /// <summary>
    /// Reads users just registered into memory, in the background, since they are about to log in and be looked up:
    /// an ordinary lookup, so it keeps nothing a change announced meanwhile made stale. A failure only leaves them
    /// to be read at their first lookup.
    /// </summary>
    private async Task RememberAsync(IReadOnlyList<string> userIds)
    {
        RequestStart.Mark(0); // not the registration's own lookup: a read of its own, sent after the change
        try
        {
            await FindManyAsync(userIds, CancellationToken.None);
        }
        catch (Exception)
        {
            // Nothing is lost but speed.
        }
    }

    public async Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken)
    {
        await inner.EnsureRegisteredAsync(users, cancellationToken);
        try
        {
            await cache.AnnounceAsync(users.Select(u => u.UserId).ToList());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Start-up (the configured administrators) must not depend on Redis, and an administrator that already
            // existed is unchanged; one just added was remembered nowhere of ours.
        }
    }

    public async Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken)
    {
        if (!await inner.UpdateAsync(userId, update, cancellationToken))
        {
            return false;
        }
        await cache.AnnounceAsync([userId]);
        return true;
    }

    public Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken) =>
        inner.ListAsync(filter, skip, take, cancellationToken);

    public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken) =>
        inner.ListIdsAsync(skip, take, cancellationToken);

    public Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken) =>
        inner.ListIdsAfterAsync(after, take, cancellationToken);
}
