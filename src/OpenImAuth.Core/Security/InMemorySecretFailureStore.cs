using System.Collections.Concurrent;

namespace OpenImAuth.Core.Security;

/// <summary>
/// Wrong secrets and lockouts in this instance's memory, for the embedded store (one instance is the whole server).
/// At most <c>maxAddresses</c> addresses are tracked at once: a table full of addresses still in their window or
/// locked out counts no new address (an attacker with that many addresses is not slowed by counting per address).
/// </summary>
public sealed class InMemorySecretFailureStore(SecretLockoutPolicy policy, TimeProvider time,
    int maxAddresses = InMemorySecretFailureStore.DefaultMaxAddresses) : ISecretFailureStore
{
    public const int DefaultMaxAddresses = 100_000;

    private static readonly TimeSpan PruneInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _pruning = new();
    private int _count;
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    public ValueTask<DateTimeOffset?> LockedUntilAsync(string address, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(address, out var entry))
        {
            return ValueTask.FromResult<DateTimeOffset?>(null);
        }
        var now = time.GetUtcNow();
        lock (entry)
        {
            return ValueTask.FromResult<DateTimeOffset?>(entry.LockedUntil > now ? entry.LockedUntil : null);
        }
    }

    public ValueTask<SecretFailure> RecordFailureAsync(string address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        while (FindOrAdd(address, now) is { } entry)
        {
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // pruned between the lookup and the lock: count in its successor
                }
                return ValueTask.FromResult(entry.Count(now, policy));
            }
        }
        return ValueTask.FromResult(new SecretFailure(0, null));
    }

    private Entry? FindOrAdd(string address, DateTimeOffset now)
    {
        if (_entries.TryGetValue(address, out var found))
        {
            return found;
        }
        if (Volatile.Read(ref _count) >= maxAddresses && !Prune(now))
        {
            return null;
        }
        var fresh = new Entry();
        var entry = _entries.GetOrAdd(address, fresh);
        if (ReferenceEquals(entry, fresh))
        {
            Interlocked.Increment(ref _count);
        }
        return entry;
    }

    /// <summary>Forgets addresses neither counting nor locked out; true when room was made. At most once a second, as it reads every entry.</summary>
    private bool Prune(DateTimeOffset now)
    {
        lock (_pruning)
        {
            if (now - _lastPrune < PruneInterval)
            {
                return false;
            }
            _lastPrune = now;
            foreach (var (address, entry) in _entries)
            {
                lock (entry)
                {
                    if (entry.LockedUntil > now || now - entry.WindowStart < policy.Window)
                    {
                        continue;
                    }
                    entry.Removed = true;
                }
                _entries.TryRemove(address, out _);
                Interlocked.Decrement(ref _count);
            }
            return Volatile.Read(ref _count) < maxAddresses;
        }
    }

    /// <summary>One address's window and lockout; read and written under its own lock.</summary>
    private sealed class Entry
    {
        private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
        private int _failures;

        public DateTimeOffset WindowStart => _windowStart;

        public DateTimeOffset LockedUntil { get; private set; } = DateTimeOffset.MinValue;

        public bool Removed { get; set; }

        public SecretFailure Count(DateTimeOffset now, SecretLockoutPolicy policy)
        {
            if (LockedUntil > now)
            {
                return new SecretFailure(0, null);
            }
            if (now - _windowStart >= policy.Window)
            {
                _windowStart = now;
                _failures = 0;
            }
            _failures++;
            if (_failures < policy.MaxFailures)
            {
                return new SecretFailure(_failures, null);
            }
            var failures = _failures;
            _failures = 0;
            _windowStart = DateTimeOffset.MinValue;
            LockedUntil = now + policy.Lockout;
            return new SecretFailure(failures, LockedUntil);
        }
    }
}
