using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// The tokens whose signature a codec has already checked, with their claims. A client presents the same token on
/// every call, and the HMAC is most of a check's cost (OpenSSL's call overhead more than the hash). An entry says
/// only that these exact characters carry a good signature under one set of secrets, and the codec starts a new
/// instance whenever its secrets change, so it cannot go stale; times are checked again on every call, and a revoked
/// token is refused by the store, not here. Only authentic tokens are remembered, so a flood of forged ones costs no memory.
/// <para>
/// Bounded: when full it starts afresh (the hot tokens pay one HMAC each again), and tokens longer than any OpenIM
/// or OpenImAuth signs for a valid user ID are not kept. The count is approximate under concurrency; the bound holds
/// within the number of threads adding at once.
/// </para>
/// </summary>
internal sealed class VerifiedTokens(int capacity)
{
    /// <summary>About 10 MB when full of ordinary tokens.</summary>
    public const int DefaultCapacity = 16_384;

    /// <summary>Our tokens are about 200–240 characters for user IDs up to 64; longer ones are checked every time.</summary>
    public const int MaxRememberedLength = 512;

    private ConcurrentDictionary<string, TokenClaims> _claims = new(StringComparer.Ordinal);
    private int _count;

    public int Count => _claims.Count;

    public bool TryGet(string token, [NotNullWhen(true)] out TokenClaims? claims) => _claims.TryGetValue(token, out claims);

    public void Remember(string token, TokenClaims claims)
    {
        if (token.Length > MaxRememberedLength)
        {
            return;
        }
        if (Volatile.Read(ref _count) >= capacity)
        {
            _claims = new ConcurrentDictionary<string, TokenClaims>(StringComparer.Ordinal);
            Volatile.Write(ref _count, 0);
        }
        if (_claims.TryAdd(token, claims))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
