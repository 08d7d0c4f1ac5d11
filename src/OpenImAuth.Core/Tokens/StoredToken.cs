namespace OpenImAuth.Core.Tokens;

/// <summary>
/// One issued token and its state. <see cref="IssuedAt"/> and <see cref="ExpiresAt"/> are Unix seconds taken from the
/// token's own claims, so a backend that stores only OpenIM's (token → status) layout can still recover them.
/// </summary>
public sealed record StoredToken(string Token, string UserId, int PlatformId, int Status, long IssuedAt, long ExpiresAt)
{
    /// <summary>
    /// When the token was issued, in Unix milliseconds, as this service recorded it (0 when unknown: a token written
    /// by a Go OpenIM node, or read from a store that keeps it apart). Revocation marks compare with it, since a
    /// mark and a token of the same second are told apart only by it (docs/decisions.md, D14).
    /// </summary>
    public long IssuedAtMs { get; init; }

    /// <summary>
    /// Whether this is the token <paramref name="token"/>, issued at <paramref name="issuedAt"/>. Equal texts carry equal
    /// claims, and a stored token's issuance time is its claim's, so the time is compared first: one user's tokens share
    /// their first hundred characters, which every text comparison would otherwise walk.
    /// </summary>
    public bool Is(string token, long issuedAt) => IssuedAt == issuedAt && Token == token;

    /// <summary>
    /// The order every store answers a user's tokens in: oldest issuance first, tokens of one second by their ordinal
    /// text, so that a plan keeping the newest of a group keeps the same token on every store and after a restart.
    /// Platform last: a token another writer put into two platforms' hashes still sorts the same way every time.
    /// </summary>
    public static readonly Comparison<StoredToken> OldestFirst = static (a, b) =>
    {
        var order = a.IssuedAt.CompareTo(b.IssuedAt);
        if (order == 0)
        {
            order = string.CompareOrdinal(a.Token, b.Token);
        }
        return order != 0 ? order : a.PlatformId.CompareTo(b.PlatformId);
    };
}
