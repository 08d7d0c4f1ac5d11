using System.Data.Common;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Http;

/// <summary>
/// What a request answers when a store failed it: <c>store unavailable: {store}</c>, and when the store did not answer
/// in time, <c>store unavailable: {store}: timed out after {N} ms</c> with the store's configured timeout (the
/// drivers' own timeout texts differ and name hosts, so they go to the log only, with every other driver text).
/// </summary>
internal static class StoreFailures
{
    public static OpenImError? Describe(Exception exception, ServerSettings settings)
    {
        var store = StoreOf(exception);
        if (store is null)
        {
            return null;
        }
        var timeoutMs = store switch
        {
            "redis" => settings.Redis.TimeoutMs,
            "postgres" => settings.PostgresTimeoutMs,
            _ => 0, // the embedded store waits for its disk; it has no timeout of its own
        };
        return OpenImError.Internal(timeoutMs > 0 && StoreTimeouts.IsTimeout(exception)
            ? $"store unavailable: {store}: timed out after {timeoutMs} ms"
            : $"store unavailable: {store}");
    }

    /// <summary>Which store a driver exception came from, so that the answer says what is down.</summary>
    private static string? StoreOf(Exception exception) => exception.GetType().Namespace switch
    {
        { } ns when ns.StartsWith("StackExchange.Redis", StringComparison.Ordinal) => "redis",
        { } ns when ns.StartsWith("Npgsql", StringComparison.Ordinal) => "postgres",
        _ when exception is DbException => "sqlite",
        _ => null,
    };
}
