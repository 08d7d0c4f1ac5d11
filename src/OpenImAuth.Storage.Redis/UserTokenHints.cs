using System.Text;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Each user's tokens as this instance last wrote or read them in Redis: the basis the next login plans from, so
/// that a login makes one round trip instead of a read and then a write. Only a hint: the apply script checks the
/// basis atomically and answers a stale one with the user's current tokens, so a wrong hint costs a round trip and
/// never a wrong write. Bounded by the number of tokens held (each user counting one more, so that users without
/// tokens are bounded too); a stripe that would exceed its share is emptied first. The user being set is always kept,
/// even one whose tokens alone exceed the share (an administrator keeps every token): a retry plans from it. Tokens
/// are kept as UTF-8, about 600 bytes each where a .NET string takes 1.1 KB, so the same memory remembers twice the
/// users; a lookup makes the strings again, which costs far less than the second script a forgotten user pays.
/// </summary>
internal sealed class UserTokenHints(int maxTokens)
{
    private const int Stripes = 64;
    private readonly Dictionary<string, Hint[]>[] _stripes =
        Enumerable.Range(0, Stripes).Select(_ => new Dictionary<string, Hint[]>(StringComparer.Ordinal)).ToArray();
    private readonly int[] _tokenCounts = new int[Stripes];
    private readonly int _maxTokensPerStripe = Math.Max(1, maxTokens / Stripes);

    public bool TryGet(string userId, out StoredToken[] tokens)
    {
        var stripe = StripeOf(userId);
        Hint[]? hints;
        lock (_stripes[stripe])
        {
            _stripes[stripe].TryGetValue(userId, out hints);
        }
        if (hints is null)
        {
            tokens = [];
            return false;
        }
        tokens = new StoredToken[hints.Length];
        for (var i = 0; i < hints.Length; i++)
        {
            var hint = hints[i];
            tokens[i] = new StoredToken(
                Encoding.UTF8.GetString(hint.Token), userId, hint.PlatformId, hint.Status, hint.IssuedAt, hint.ExpiresAt);
        }
        return true;
    }

    public void Set(string userId, StoredToken[] held)
    {
        var tokens = new Hint[held.Length];
        for (var i = 0; i < held.Length; i++)
        {
            var token = held[i];
            tokens[i] = new Hint(
                Encoding.UTF8.GetBytes(token.Token), token.PlatformId, token.Status, token.IssuedAt, token.ExpiresAt);
        }
        var stripe = StripeOf(userId);
        var users = _stripes[stripe];
        lock (users)
        {
            if (users.Remove(userId, out var previous))
            {
                _tokenCounts[stripe] -= Weight(previous);
            }
            if (_tokenCounts[stripe] + Weight(tokens) > _maxTokensPerStripe)
            {
                users.Clear();
                _tokenCounts[stripe] = 0;
            }
            users[userId] = tokens; // even above the share: a retry plans from it
            _tokenCounts[stripe] += Weight(tokens);
        }
    }

    public void Forget(string userId)
    {
        var stripe = StripeOf(userId);
        lock (_stripes[stripe])
        {
            if (_stripes[stripe].Remove(userId, out var previous))
            {
                _tokenCounts[stripe] -= Weight(previous);
            }
        }
    }

    private static int Weight(Hint[] tokens) => tokens.Length + 1;

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % Stripes);

    /// <summary>A token as remembered: its user is the key it is kept under.</summary>
    private readonly record struct Hint(byte[] Token, int PlatformId, int Status, long IssuedAt, long ExpiresAt);
}
