using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core;

/// <summary>
/// The validated settings the token and user logic runs on. <c>Secret</c> and <c>PreviousSecrets</c> (secrets of before
/// a rotation, which verify tokens and pass the secret check but sign nothing) are the ones of start-up;
/// <see cref="Keyring"/> holds the ones in force, which reload.
/// </summary>
public sealed record AuthOptions(
    string Secret,
    int TokenExpireDays,
    MultiLoginPolicy MultiLoginPolicy,
    int MaxNumOneEnd,
    IReadOnlyList<AdminAccount> Admins,
    CompatProfile Profile,
    IReadOnlyList<string>? PreviousSecrets = null)
{
    private readonly HashSet<string> _adminIds = Admins.Select(a => a.UserId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The secrets in force, shared by the codec and the secret check, and replaced whole when config.yaml changes.</summary>
    public SecretKeyring Keyring { get; } = new(new SecretSet(Secret, PreviousSecrets ?? []));

    public TimeSpan TokenLifetime => TimeSpan.FromDays(TokenExpireDays);

    public long TokenLifetimeSeconds => TokenExpireDays * 86400L;

    /// <summary>The longest lifetime a caller may ask for a token (<c>tokenPolicy.maxExpireSeconds</c>).</summary>
    public long MaxExpireSeconds { get; init; } = TokenExpireDays * 86400L;

    /// <summary>The longest any token issued here lives: what stored token state must be kept for.</summary>
    public TimeSpan LongestTokenLifetime => TimeSpan.FromSeconds(Math.Max(TokenLifetimeSeconds, MaxExpireSeconds));

    public TokenFormat TokenFormat => Profile == CompatProfile.V3 ? TokenFormat.WithNotBefore : TokenFormat.Backdated;

    public bool IsAdmin(string userId) => _adminIds.Contains(userId);

    /// <summary>Whether <paramref name="presented"/> is the current secret or a previous one (constant-time, see <see cref="SecretSet.Match"/>).</summary>
    public bool SecretMatches(string? presented) => MatchSecret(presented).IsMatch;

    /// <summary>Which of the secrets in force <paramref name="presented"/> is, in constant time.</summary>
    public SecretMatch MatchSecret(string? presented) => Keyring.Secrets.Match(presented);
}
