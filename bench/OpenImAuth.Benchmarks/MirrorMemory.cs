using System.Diagnostics;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Benchmarks;

/// <summary>
/// Memory per live token on the embedded store: the managed heap after a full collection, before and after
/// <c>count</c> logins of distinct users (IDs as bench/load.sh seeds them, one token each on platform 7, in the
/// server's default format), divided by <c>count</c>; then again after reopening the store, which replays its log.
/// The heap, not RSS: RSS also counts garbage not yet collected and the collector's reserve, which move with load.
/// </summary>
internal static class MirrorMemory
{
    private const int InFlight = 1024;

    public static async Task<int> RunAsync(int count)
    {
        var directory = Directory.CreateTempSubdirectory("openimauth-memory-");
        try
        {
            var codec = new TokenCodec("openIM123");
            var database = await SqliteDatabase.OpenAsync(directory.FullName, CancellationToken.None);
            var store = await SqliteTokenStateStore.OpenAsync(database, TimeProvider.System, CancellationToken.None);
            var before = Heap();
            var clock = Stopwatch.StartNew();
            for (var first = 1; first <= count; first += InFlight)
            {
                var last = Math.Min(count, first + InFlight - 1);
                await Task.WhenAll(Enumerable.Range(first, last - first + 1).Select(n => Login(store, codec, "u" + n)));
            }
            var issued = clock.Elapsed;
            var live = Heap() - before;
            await database.DisposeAsync();
            var empty = Heap();
            clock.Restart();
            database = await SqliteDatabase.OpenAsync(directory.FullName, CancellationToken.None);
            store = await SqliteTokenStateStore.OpenAsync(database, TimeProvider.System, CancellationToken.None);
            var replayed = clock.Elapsed;
            var reopened = Heap() - empty;
            GC.KeepAlive(store);
            await database.DisposeAsync();
            Console.WriteLine($"live tokens: {count}; issued in {issued.TotalSeconds:F1} s; heap per live token: {(double)live / count:F0} bytes "
                + $"({live / 1048576.0:F0} MB); after reopening (replay {replayed.TotalSeconds:F1} s): {(double)reopened / count:F0} bytes");
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Task<bool> Login(SqliteTokenStateStore store, TokenCodec codec, string userId)
    {
        var now = DateTimeOffset.UtcNow;
        var signed = codec.SignWithTimes(userId, 7, now, TimeSpan.FromDays(90), TokenFormat.Backdated);
        var token = new StoredToken(signed.Token, userId, 7, TokenStatus.Normal, signed.IssuedAt, signed.ExpiresAt)
        {
            IssuedAtMs = now.ToUnixTimeMilliseconds(),
        };
        return store.ApplyAsync(new TokenStateChange(userId, token, [], []), CancellationToken.None);
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
