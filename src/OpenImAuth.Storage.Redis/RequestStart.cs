namespace OpenImAuth.Storage.Redis;

/// <summary>
/// When the request being served began (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), set by the host
/// for the request's flow. A shared Redis read sent after it has seen every change completed before the request, so
/// a lookup late in the request (after its token check) may use a read that another request started meanwhile
/// instead of waiting for one of its own (docs/decisions.md, D16).
/// </summary>
public static class RequestStart
{
    private static readonly AsyncLocal<long> Started = new();

    /// <summary>0 outside a request: then every read waits for a round that starts after it asked.</summary>
    public static long Current => Started.Value;

    public static void Mark(long timestamp) => Started.Value = timestamp;
}
