using System.Diagnostics.Metrics;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core;

/// <summary>
/// The server's own metrics, on the meter <see cref="MeterName"/>, which the host exports at <c>/metrics</c>. One static
/// place, so that any part (a store, the gateway, a feature added later) counts without being handed anything.
/// <para>
/// The counters are observable: a call site adds to a plain field (one interlocked add, nothing allocated, nothing
/// looked up), the exporter reads the fields when scraped, and every series, every platform and every reason
/// included, is exported from start-up at 0, so that a rate over a series is right from its first increment.
/// The fields are per process, as the metrics are: one server per process.
/// </para>
/// </summary>
public static class OpenImAuthMetrics
{
    public const string MeterName = "OpenImAuth";

    /// <summary>The meter; reading it also creates the observable instruments, so exporting starts with every series.</summary>
    public static Meter Meter { get; } = new(MeterName);

    private static readonly long[] IssuedByPlatform = new long[Platforms.Max + 1];
    private static readonly long[] KickedByReason = new long[3];
    private static readonly string[] ReasonLabels = ["force_logout", "multi_login", "revoke"];
    private static long _secretFailures;
    private static long _previousSecretsUsed;
    private static long _lockouts;
    private static long _gatewayConnections;
    private static long _checkCacheHits;
    private static long _checkCacheMisses;
    private static long _userCacheHits;
    private static long _userCacheMisses;
    private static long _auditDropped;

    /// <summary>
    /// Store call latency in seconds, labelled <c>store</c> (sqlite, redis, postgres) and <c>operation</c>. Buckets from
    /// 10 µs (a check answered from memory) to 5 s (a store that stopped answering, until its timeout).
    /// </summary>
    public static readonly Histogram<double> StoreDuration = Meter.CreateHistogram(
        "openimauth.store.duration", "s", "Time of one call to the token or user store",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        });

    static OpenImAuthMetrics()
    {
        Meter.CreateObservableCounter("openimauth.tokens.issued", ObserveIssued, description: "Tokens issued, by platform name");
        Meter.CreateObservableCounter("openimauth.tokens.kicked", ObserveKicked,
            description: "Tokens revoked, by reason (force_logout, multi_login, revoke)");
        Meter.CreateObservableCounter("openimauth.secret.failures", () => Volatile.Read(ref _secretFailures),
            description: "Requests that presented a wrong secret (user_token, get_admin_token, user_register)");
        Meter.CreateObservableCounter("openimauth.secret.previous_used", () => Volatile.Read(ref _previousSecretsUsed),
            description: "Requests on the secret routes that presented a previous secret (previousSecrets), not the current one");
        Meter.CreateObservableCounter("openimauth.lockouts", () => Volatile.Read(ref _lockouts),
            description: "Callers locked out after repeated failures");
        Meter.CreateObservableUpDownCounter("openimauth.gateway.connections", () => Volatile.Read(ref _gatewayConnections),
            description: "Live gateway connections of this instance");
        Meter.CreateObservableCounter("openimauth.check_cache.hits", () => Volatile.Read(ref _checkCacheHits),
            description: "Token checks the Redis store's check cache answered from memory");
        Meter.CreateObservableCounter("openimauth.check_cache.misses", () => Volatile.Read(ref _checkCacheMisses),
            description: "Token checks the Redis store's check cache sent to Redis");
        Meter.CreateObservableCounter("openimauth.user_cache.hits", () => Volatile.Read(ref _userCacheHits),
            description: "User lookups the Redis store's user cache answered from memory");
        Meter.CreateObservableCounter("openimauth.user_cache.misses", () => Volatile.Read(ref _userCacheMisses),
            description: "User lookups the Redis store's user cache sent to PostgreSQL");
        Meter.CreateObservableCounter("openimauth.audit.dropped", () => Volatile.Read(ref _auditDropped),
            description: "Audit entries lost: the queue to the store was full, or the store refused their batch");
    }

    /// <summary>Counts audit entries that will never be stored.</summary>
    public static void AuditDropped(long count) => Interlocked.Add(ref _auditDropped, count);

    /// <summary>Counts a token issued on <paramref name="platformId"/> (1–11).</summary>
    public static void TokenIssued(int platformId)
    {
        if ((uint)platformId < (uint)IssuedByPlatform.Length)
        {
            Interlocked.Increment(ref IssuedByPlatform[platformId]);
        }
    }

    public static void TokensKicked(KickReason reason, int count) => Interlocked.Add(ref KickedByReason[(int)reason], count);

    public static void SecretFailed() => Interlocked.Increment(ref _secretFailures);

    /// <summary>Counts one request that presented a previous secret: an app server not yet moved to the current one.</summary>
    public static void PreviousSecretUsed() => Interlocked.Increment(ref _previousSecretsUsed);

    /// <summary>For the lockout feature: counts one caller locked out.</summary>
    public static void LockedOut() => Interlocked.Increment(ref _lockouts);

    public static void GatewayConnectionOpened() => Interlocked.Increment(ref _gatewayConnections);

    public static void GatewayConnectionClosed() => Interlocked.Decrement(ref _gatewayConnections);

    public static void CheckCacheHit() => Interlocked.Increment(ref _checkCacheHits);

    public static void CheckCacheMiss() => Interlocked.Increment(ref _checkCacheMisses);

    public static void UserCacheHits(int count) => Interlocked.Add(ref _userCacheHits, count);

    public static void UserCacheMisses(int count) => Interlocked.Add(ref _userCacheMisses, count);

    private static IEnumerable<Measurement<long>> ObserveIssued()
    {
        var measurements = new Measurement<long>[Platforms.Max];
        for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
        {
            measurements[platform - Platforms.Min] = new Measurement<long>(Volatile.Read(ref IssuedByPlatform[platform]),
                new KeyValuePair<string, object?>("platform", Platforms.NameOf(platform)));
        }
        return measurements;
    }

    private static IEnumerable<Measurement<long>> ObserveKicked()
    {
        var measurements = new Measurement<long>[KickedByReason.Length];
        for (var i = 0; i < KickedByReason.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref KickedByReason[i]),
                new KeyValuePair<string, object?>("reason", ReasonLabels[i]));
        }
        return measurements;
    }
}
