namespace OpenImAuth.Tests.Shared;

/// <summary>
/// Waits for a condition that another process makes true at a moment we cannot observe directly (a client library
/// reconnecting, say): checks it again on every tick until it holds or the deadline passes.
/// </summary>
internal static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var last = await probe();
        while (!done(last))
        {
            if (!await ticks.WaitForNextTickAsync(timeout.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default))
            {
                throw new TimeoutException($"{what} did not happen within {deadline}; last observed: {last}");
            }
            last = await probe();
        }
        return last;
    }
}
