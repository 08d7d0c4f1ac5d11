using System.Collections.Concurrent;
using OpenImAuth.Core.Concurrency;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Server.Http;

/// <summary>
/// "Is this user registered?" for token issuance, without a store read for users already seen. Only positive
/// answers are remembered, and that is safe because no route deletes a user: once registered, always registered.
/// (A route that deletes users must forget them here.) Bounded, so a flood of distinct IDs cannot grow it forever.
/// At start-up <see cref="LearnRegisteredAsync"/> fills it with the users already registered, so that their first
/// logins skip the store too.
/// <para>
/// Misses share store calls (<see cref="OneRoundInFlight{TCaller, TAwaited, TRound, TReply}"/>): one lookup at a time is in
/// flight, and the misses that arrive meanwhile are asked together in the next <see cref="IUserStore.FindManyAsync"/>
/// (one query on PostgreSQL), at most <see cref="MaxBatch"/> at a time. Every answer comes from a read that started
/// after its caller asked, so a user registered before the question is always found. A failed call fails exactly the
/// callers of its batch, unless it timed out: then the callers queued behind it fail with it too.
/// </para>
/// </summary>
internal sealed class RegisteredUsers(IUserStore users) : OneRoundInFlight<string, Task<bool>, RegisteredUsers.Batch, IReadOnlyList<UserRecord>>
{
    public const int MaxBatch = 256;
    public const int Capacity = 2_000_000;
    private const int LearningPage = 50_000;

    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private int _knownCount; // ConcurrentDictionary.Count takes every lock; this only ever grows, like _known

    private List<string> _queuedIds = []; // in arrival order, each once
    private Dictionary<string, TaskCompletionSource<bool>> _queued = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="userId"/> is answered from memory (for tests and diagnostics).</summary>
    public bool Remembers(string userId) => _known.ContainsKey(userId);

    public ValueTask<bool> ExistsAsync(string userId, CancellationToken cancellationToken) =>
        _known.ContainsKey(userId) ? ValueTask.FromResult(true) : LookUpAsync(userId, cancellationToken);

    // A caller that gives up stops waiting; the shared call goes on for the others.
    private async ValueTask<bool> LookUpAsync(string userId, CancellationToken cancellationToken) =>
        await Join(userId).WaitAsync(cancellationToken);

    protected override Task<bool> Queue(string userId)
    {
        if (!_queued.TryGetValue(userId, out var waiting))
        {
            waiting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _queued.Add(userId, waiting);
            _queuedIds.Add(userId);
        }
        return waiting.Task;
    }

    protected override bool HasQueued => _queuedIds.Count > 0;

    // No caller's token: the call serves them all, and each caller can stop waiting on its own.
    protected override Task<IReadOnlyList<UserRecord>> SendAsync(Batch batch) => users.FindManyAsync(batch.Ids, CancellationToken.None);

    protected override void Answer(Batch batch, IReadOnlyList<UserRecord> found)
    {
        foreach (var user in found)
        {
            if (batch.Waiting.Remove(user.UserId, out var waiting))
            {
                Remember(user.UserId);
                waiting.TrySetResult(true);
            }
        }
        foreach (var waiting in batch.Waiting.Values)
        {
            waiting.TrySetResult(false);
        }
    }

    // Not swallowed: every caller of the batch still waiting gets the store's own exception.
    protected override void Fail(Batch batch, Exception failure)
    {
        foreach (var waiting in batch.Waiting.Values)
        {
            waiting.TrySetException(failure);
        }
    }

    protected override bool FailsQueued(Exception failure) => StoreTimeouts.IsTimeout(failure);

    // A store that answers synchronously (SQLite) would otherwise keep the first caller's thread serving everyone
    // who queued after it.
    protected override bool YieldsBetweenRounds => true;

    /// <summary>
    /// Remembers the registered users, page by page in registration order, until half the capacity is taken; returns
    /// how many were read. The other half stays for the users who log in: the memory never forgets, so filling it
    /// with the oldest registrations of a very large user base would shut out everyone else. Each page continues from
    /// the position where the last one ended, so every page costs the same and a user registered meanwhile is not
    /// skipped; nothing is remembered that is not registered.
    /// </summary>
    public async Task<int> LearnRegisteredAsync(CancellationToken cancellationToken, int pageSize = LearningPage, int limit = Capacity / 2)
    {
        var read = 0;
        var after = 0L;
        while (read < limit && Volatile.Read(ref _knownCount) < Capacity)
        {
            var take = Math.Min(pageSize, limit - read);
            var page = await users.ListIdsAfterAsync(after, take, cancellationToken);
            foreach (var userId in page.UserIds)
            {
                Remember(userId);
            }
            read += page.UserIds.Count;
            after = page.Next;
            if (page.UserIds.Count < take)
            {
                break; // that was the last page
            }
        }
        return read;
    }

    /// <summary>Remembers a user known to be registered (durably: a store write that succeeded, or a store read).</summary>
    public void Remember(string userId)
    {
        if (Volatile.Read(ref _knownCount) < Capacity && _known.TryAdd(userId, 0))
        {
            Interlocked.Increment(ref _knownCount);
        }
    }

    /// <summary>The oldest queued misses, at most <see cref="MaxBatch"/>, or all of them.</summary>
    protected override Batch TakeQueued(bool all)
    {
        if (all || _queuedIds.Count <= MaxBatch)
        {
            var queued = new Batch(_queuedIds, _queued);
            _queuedIds = [];
            _queued = new Dictionary<string, TaskCompletionSource<bool>>(StringComparer.Ordinal);
            return queued;
        }
        var ids = _queuedIds.GetRange(0, MaxBatch);
        _queuedIds.RemoveRange(0, MaxBatch);
        var waiting = new Dictionary<string, TaskCompletionSource<bool>>(MaxBatch, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            _queued.Remove(id, out var caller);
            waiting.Add(id, caller!);
        }
        return new Batch(ids, waiting);
    }

    /// <summary>The misses one store call answers.</summary>
    internal sealed class Batch(List<string> ids, Dictionary<string, TaskCompletionSource<bool>> waiting)
    {
        public List<string> Ids => ids;

        public Dictionary<string, TaskCompletionSource<bool>> Waiting => waiting;
    }
}
