using System.Diagnostics;
using OpenImAuth.Core;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Times one store operation into <see cref="OpenImAuthMetrics.StoreDuration"/>: one timestamp pair, and labels
/// built once, so a call allocates nothing for its measurement. A call that completed synchronously (a check answered
/// from memory) is recorded at once, without an async wrapper around it.
/// </summary>
internal sealed class StoreOperation(string store, string operation)
{
    private readonly KeyValuePair<string, object?> _store = new("store", store);
    private readonly KeyValuePair<string, object?> _operation = new("operation", operation);

    public ValueTask<T> Time<T>(long started, ValueTask<T> call)
    {
        if (call.IsCompleted)
        {
            Record(started);
            return call;
        }
        return AwaitAsync(started, call);
    }

    public Task<T> Time<T>(long started, Task<T> call)
    {
        if (call.IsCompleted)
        {
            Record(started);
            return call;
        }
        return AwaitAsync(started, call);
    }

    public Task Time(long started, Task call)
    {
        if (call.IsCompleted)
        {
            Record(started);
            return call;
        }
        return AwaitAsync(started, call);
    }

    private async ValueTask<T> AwaitAsync<T>(long started, ValueTask<T> call)
    {
        try
        {
            return await call;
        }
        finally
        {
            Record(started);
        }
    }

    private async Task<T> AwaitAsync<T>(long started, Task<T> call)
    {
        try
        {
            return await call;
        }
        finally
        {
            Record(started);
        }
    }

    private async Task AwaitAsync(long started, Task call)
    {
        try
        {
            await call;
        }
        finally
        {
            Record(started);
        }
    }

    private void Record(long started) =>
        OpenImAuthMetrics.StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _store, _operation);
}
