using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core;

/// <summary>Which OpenIM generation's shapes to speak where they conflict (docs/decisions.md, D2).</summary>
public enum CompatProfile
{
    /// <summary>v3.0 – v3.8.0, the seed's era (default).</summary>
    V3,

    /// <summary>v3.8.1 and later.</summary>
    V3Point8,
}

/// <summary>A configured administrator: exists from start-up and may call admin-only routes.</summary>
public sealed record AdminAccount(string UserId, string Nickname);

/// <summary>The validated settings the token and user logic runs on.</summary>
public sealed record AuthOptions(
    string Secret,
    int TokenExpireDays,
    MultiLoginPolicy MultiLoginPolicy,
    int MaxNumOneEnd,
    IReadOnlyList<AdminAccount> Admins,
    CompatProfile Profile)
{
    private readonly HashSet<string> _adminIds = Admins.Select(a => a.UserId).ToHashSet(StringComparer.Ordinal);
    private readonly byte[] _secretDigest = SHA256.HashData(Encoding.UTF8.GetBytes(Secret));

    public TimeSpan TokenLifetime => TimeSpan.FromDays(TokenExpireDays);

    public long TokenLifetimeSeconds => TokenExpireDays * 86400L;

    /// <summary>The longest lifetime a caller may ask for a token (<c>tokenPolicy.maxExpireSeconds</c>).</summary>
    public long MaxExpireSeconds { get; init; } = TokenExpireDays * 86400L;

    /// <summary>The longest any token issued here lives: what stored token state must be kept for.</summary>
    public TimeSpan LongestTokenLifetime => TimeSpan.FromSeconds(Math.Max(TokenLifetimeSeconds, MaxExpireSeconds));

    public TokenFormat TokenFormat => Profile == CompatProfile.V3 ? TokenFormat.WithNotBefore : TokenFormat.Backdated;

    public bool IsAdmin(string userId) => _adminIds.Contains(userId);

    /// <summary>
    /// Constant-time secret check: both sides are hashed first so that neither the content nor the length of the
    /// configured secret leaks through timing.
    /// </summary>
    public bool SecretMatches(string? presented) =>
        CryptographicOperations.FixedTimeEquals(_secretDigest, SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? "")));
}
