using OpenImAuth.Core.Users;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// Holds its first <see cref="FindManyAsync"/> until <see cref="Release"/>; later calls answer at once. Fails the
/// call numbered <see cref="FailingCall"/> (1-based) with <see cref="Failure"/>.
/// </summary>
internal sealed class HeldUserStore(params string[] registered) : IUserStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string[]> _calls = [];

    public string[] Registered => registered;

    /// <summary>The (after, take) of every <see cref="ListIdsAfterAsync"/> call.</summary>
    public List<(long After, int Take)> Pages { get; } = [];

    public int FailingCall { get; init; }

    public Exception? Failure { get; init; }

    public bool AnyCallCancellable { get; private set; }

    public string[][] Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public void Release() => _release.SetResult();

    public async Task<IReadOnlyList<UserRecord>> FindManyAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        int call;
        lock (_calls)
        {
            _calls.Add([.. userIds]);
            call = _calls.Count;
            AnyCallCancellable |= cancellationToken.CanBeCanceled;
        }
        if (call == 1)
        {
            await _release.Task;
        }
        if (call == FailingCall)
        {
            throw Failure!;
        }
        return userIds.Where(registered.Contains).Select(id => new UserRecord(id, id, "", "", 0, 0, 0)).ToList();
    }

    public Task<UserRecord?> FindAsync(string userId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<string?> RegisterAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task EnsureRegisteredAsync(IReadOnlyList<UserRecord> users, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<bool> UpdateAsync(string userId, UserUpdate update, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<UserPage<UserRecord>> ListAsync(UserFilter filter, int skip, int take, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<UserPage<string>> ListIdsAsync(int skip, int take, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    /// <summary>The position of the n-th registered user (1-based) is 10·n: positions are not counts, as rowids need not be.</summary>
    public Task<UserIdRun> ListIdsAfterAsync(long after, int take, CancellationToken cancellationToken)
    {
        Pages.Add((after, take));
        var skip = (int)(after / 10);
        var run = registered.Skip(skip).Take(take).ToList();
        return Task.FromResult(new UserIdRun(run, 10L * (skip + run.Count)));
    }
}
