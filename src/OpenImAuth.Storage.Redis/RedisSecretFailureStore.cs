using System.Globalization;
using OpenImAuth.Core.Security;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Wrong secrets and lockouts in Redis, shared by every instance: <c>OPENIMAUTH:SECRET_FAILURES:{address}</c> (a hash; the address in braces, a hash tag:
/// the window's start <c>s</c> in unix ms and its count <c>n</c>) and <c>OPENIMAUTH:SECRET_LOCKOUT:{address}</c>
/// (when the lockout ends, in unix ms). Times are the instances' clocks, written as values, so that any instance
/// reads them alike; each key also expires with what it holds, so nothing outlives its use.
/// </summary>
public sealed class RedisSecretFailureStore(IConnectionMultiplexer redis, SecretLockoutPolicy policy, TimeProvider time) : ISecretFailureStore
{
    // One script, so that concurrent failures on any instances are counted exactly and only one begins the lockout.
    private static readonly LuaScript CountScript = LuaScript.Prepare("""
        local now = tonumber(@now)
        local locked = tonumber(redis.call('GET', @lockout))
        if locked and locked > now then
            return {0, 0}
        end
        local start = tonumber(redis.call('HGET', @failures, 's'))
        local n
        if start and now - start < tonumber(@window) then
            n = redis.call('HINCRBY', @failures, 'n', 1)
        else
            redis.call('HSET', @failures, 's', now, 'n', 1)
            redis.call('PEXPIRE', @failures, @window)
            n = 1
        end
        if n < tonumber(@max) then
            return {n, 0}
        end
        local ends = now + tonumber(@lockoutMs)
        redis.call('DEL', @failures)
        redis.call('SET', @lockout, ends, 'PX', @lockoutMs)
        return {n, ends}
        """);

    private readonly IDatabase _db = redis.GetDatabase();

    // The address in braces is a hash tag: both keys of an address are in one slot of a Redis Cluster, as the script
    // that touches both needs.
    public static RedisKey FailuresKey(string address) => "OPENIMAUTH:SECRET_FAILURES:{" + address + "}";

    public static RedisKey LockoutKey(string address) => "OPENIMAUTH:SECRET_LOCKOUT:{" + address + "}";

    public async ValueTask<DateTimeOffset?> LockedUntilAsync(string address, CancellationToken cancellationToken)
    {
        var value = await _db.StringGetAsync(LockoutKey(address));
        if (value.IsNull || !long.TryParse((string?)value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var endsMs))
        {
            return null;
        }
        var ends = DateTimeOffset.FromUnixTimeMilliseconds(endsMs);
        return ends > time.GetUtcNow() ? ends : null;
    }

    public async ValueTask<SecretFailure> RecordFailureAsync(string address, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(CountScript, new
        {
            failures = FailuresKey(address),
            lockout = LockoutKey(address),
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            window = (long)policy.Window.TotalMilliseconds,
            max = policy.MaxFailures,
            lockoutMs = (long)policy.Lockout.TotalMilliseconds,
        }))!;
        var ends = (long)result[1];
        return new SecretFailure((int)result[0], ends > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ends) : null);
    }
}
