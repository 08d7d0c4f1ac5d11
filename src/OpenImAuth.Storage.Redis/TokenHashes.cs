using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// A user's tokens as OpenIM lays them out: one <see cref="RedisKeys.TokenHash"/> per platform, field = the JWT,
/// value = its status. Issuance and expiry are not stored beside them: they are read back from each token's claims.
/// </summary>
internal static class TokenHashes
{
    /// <summary>How many hashes a user has: one per platform (11).</summary>
    public const int PerUser = Platforms.Max - Platforms.Min + 1;

    /// <summary>The user's hashes, in platform order.</summary>
    public static RedisKey[] Keys(string userId)
    {
        var keys = new RedisKey[PerUser];
        for (var platform = Platforms.Min; platform <= Platforms.Max; platform++)
        {
            keys[platform - Platforms.Min] = RedisKeys.TokenHash(userId, platform);
        }
        return keys;
    }

    /// <summary>One HGETALL reply per hash, in platform order, as the user's tokens in <see cref="StoredToken.OldestFirst"/> order.</summary>
    public static StoredToken[] Read(string userId, RedisResult[] hashes)
    {
        var tokens = new List<StoredToken>();
        for (var k = 0; k < hashes.Length; k++)
        {
            var fields = (RedisValue[])hashes[k]!;
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                tokens.Add(ToStoredToken(userId, Platforms.Min + k, fields[i]!, fields[i + 1]));
            }
        }
        return Sorted(tokens);
    }

    /// <summary>The user's hashes read one by one (on a cluster), as <see cref="Read(string, RedisResult[])"/> reads them.</summary>
    public static StoredToken[] Read(string userId, HashEntry[][] hashes)
    {
        var tokens = new List<StoredToken>();
        for (var k = 0; k < hashes.Length; k++)
        {
            tokens.AddRange(hashes[k].Select(entry => ToStoredToken(userId, Platforms.Min + k, entry.Name!, entry.Value)));
        }
        return Sorted(tokens);
    }

    /// <summary>A status as OpenIM writes it; anything but an integer is an unknown status (1505).</summary>
    public static int? ParseStatus(RedisValue value) =>
        value.IsNull ? null : int.TryParse((string?)value, out var status) ? status : TokenStatus.Invalid;

    public static StoredToken ToStoredToken(string userId, int platformId, string token, RedisValue status)
    {
        // A token that no longer parses (OpenIM would delete it at the next issuance) reads as long expired.
        var claims = TokenCodec.ReadClaimsUnverified(token);
        var parsedStatus = int.TryParse((string?)status, out var value) ? value : TokenStatus.Invalid;
        return new StoredToken(token, userId, platformId, parsedStatus, claims?.IssuedAt ?? 0, claims?.ExpiresAt ?? 0);
    }

    public static StoredToken[] Sorted(List<StoredToken> tokens)
    {
        var sorted = tokens.ToArray();
        Array.Sort(sorted, StoredToken.OldestFirst);
        return sorted;
    }
}
