using System.Collections.Concurrent;

namespace OpenImAuth.Core.Revocation;

/// <summary>
/// The marks in force, in memory, so that a token check pays nothing for them while none applies: one volatile read
/// for the app-wide mark and one dictionary lookup per scope when some user has one. Kept current by the store's
/// announcements; <see cref="Changed"/> tells the gateway whose connections to check again.
/// <para>
/// A store that cannot be read at start-up (Redis down) leaves the table unloaded rather than stopping the server:
/// a check then reads the marks first (<see cref="EnsureLoadedAsync"/>) and fails as the store does until it can, so
/// no token a mark refuses slips through meanwhile.
/// </para>
/// </summary>
public sealed class RevocationMarks
{
    private readonly IRevocationMarkStore _store;
    private readonly ConcurrentDictionary<(string UserId, int PlatformId), long> _byScope = new();
    private const int MaxReadAttempts = 5;
    private readonly Lock _gate = new(); // a snapshot and an announced change never interleave
    private long _appWide;
    private long _changes; // announced changes applied, so that a reload knows one came in during its read
    private volatile bool _loaded;

    private RevocationMarks(IRevocationMarkStore store)
    {
        _store = store;
        store.Changed += Apply;
        store.Resynchronize += () => _ = ReloadAsync(CancellationToken.None);
    }

    /// <summary>Raised after a mark changed here: the gateway checks the connections of its scope again.</summary>
    public event Action<RevocationMark>? Changed;

    public IRevocationMarkStore Store => _store;

    public static async Task<RevocationMarks> LoadAsync(IRevocationMarkStore store, CancellationToken cancellationToken)
    {
        var marks = new RevocationMarks(store);
        try
        {
            await marks.ReloadAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The store is down: checks load the marks once it is back.
        }
        return marks;
    }

    /// <summary>Whether the marks were read from the store since start-up.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>Reads the marks when they were never read; throws as the store does while it cannot be read.</summary>
    public ValueTask EnsureLoadedAsync(CancellationToken cancellationToken) =>
        _loaded ? ValueTask.CompletedTask : new ValueTask(ReloadAsync(cancellationToken));

    /// <summary>
    /// The latest mark that applies to a token of (<paramref name="userId"/>, <paramref name="platformId"/>), 0 when none.
    /// An app-wide mark does not apply to administrators: it must not lock out the operator who would undo it.
    /// </summary>
    public long BeforeMsFor(string userId, int platformId, bool isAdmin)
    {
        var before = isAdmin ? 0 : Volatile.Read(ref _appWide);
        if (!_byScope.IsEmpty)
        {
            if (_byScope.TryGetValue((userId, 0), out var user))
            {
                before = Math.Max(before, user);
            }
            if (_byScope.TryGetValue((userId, platformId), out var platform))
            {
                before = Math.Max(before, platform);
            }
        }
        return before;
    }

    /// <summary>The mark of exactly this scope, 0 when it has none.</summary>
    public long BeforeMsOf(string userId, int platformId) =>
        userId.Length == 0 ? Volatile.Read(ref _appWide) : _byScope.GetValueOrDefault((userId, platformId));

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadOnceAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.CanBeCanceled)
        {
            // A background reload after an outage; the next restored connection triggers another.
        }
    }

    private async Task ReloadOnceAsync(CancellationToken cancellationToken)
    {
        // A change announced while the read was on its way may be newer than what the read saw, or older: read again
        // until no change came in between, then take the snapshot under the lock that changes take.
        for (var attempt = 0; ; attempt++)
        {
            var changesBefore = Volatile.Read(ref _changes);
            var all = await _store.ReadAllAsync(cancellationToken);
            lock (_gate)
            {
                if (_changes == changesBefore || attempt >= MaxReadAttempts)
                {
                    TakeSnapshot(all);
                    break;
                }
            }
        }
        Changed?.Invoke(new RevocationMark("", 0, Volatile.Read(ref _appWide))); // everything may have changed: check every connection
    }

    private void TakeSnapshot(IReadOnlyList<RevocationMark> all)
    {
        var seen = new HashSet<(string, int)>();
        long appWide = 0;
        foreach (var mark in all)
        {
            if (mark.IsAppWide)
            {
                appWide = mark.BeforeMs;
            }
            else
            {
                _byScope[(mark.UserId, mark.PlatformId)] = mark.BeforeMs;
                seen.Add((mark.UserId, mark.PlatformId));
            }
        }
        foreach (var scope in _byScope.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _byScope.TryRemove(scope, out _);
        }
        Volatile.Write(ref _appWide, appWide);
        _loaded = true;
    }

    /// <summary>
    /// A change this instance made and the store confirmed, put in force at once; the store's announcement of it
    /// follows and finds it there.
    /// </summary>
    public void Applied(RevocationMark mark) => Apply(mark);

    private void Apply(RevocationMark mark)
    {
        lock (_gate)
        {
            _changes++;
            Hold(mark);
        }
        Changed?.Invoke(mark);
    }

    // Called under _gate. A raise keeps the larger moment: this instance's own change, put in force at once, may be
    // followed by the announcement of an earlier one that Redis made first; a clear (0) removes.
    private void Hold(RevocationMark mark)
    {
        if (mark.IsAppWide)
        {
            Volatile.Write(ref _appWide, mark.BeforeMs == 0 ? 0 : Math.Max(Volatile.Read(ref _appWide), mark.BeforeMs));
        }
        else if (mark.BeforeMs == 0)
        {
            _byScope.TryRemove((mark.UserId, mark.PlatformId), out _);
        }
        else
        {
            _byScope[(mark.UserId, mark.PlatformId)] = Math.Max(_byScope.GetValueOrDefault((mark.UserId, mark.PlatformId)), mark.BeforeMs);
        }
    }
}
