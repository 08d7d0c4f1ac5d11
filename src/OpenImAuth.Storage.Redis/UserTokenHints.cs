using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Each user's tokens as this instance last wrote or read them in Redis: the basis the next login plans from, so
/// that a login makes one round trip instead of a read and then a write. Only a hint: the apply script checks the
/// basis atomically and answers a stale one with the user's current tokens, so a wrong hint costs a round trip and
/// never a wrong write. Bounded by the number of tokens held (each user counting one more, so that users without
/// tokens are bounded too); a stripe that would exceed its share is emptied first. The user being set is always kept,
/// even one whose tokens alone exceed the share (an administrator keeps every token): a retry plans from it.
/// </summary>
internal sealed class UserTokenHints(int maxTokens)
{
    private const int Stripes = 64;
    private readonly Dictionary<string, StoredToken[]>[] _stripes =
        Enumerable.Range(0, Stripes).Select(_ => new Dictionary<string, StoredToken[]>(StringComparer.Ordinal)).ToArray();
    private readonly int[] _tokenCounts = new int[Stripes];
    private readonly int _maxTokensPerStripe = Math.Max(1, maxTokens / Stripes);

    public bool TryGet(string userId, out StoredToken[] tokens)
    {
        var stripe = StripeOf(userId);
        lock (_stripes[stripe])
        {
            return _stripes[stripe].TryGetValue(userId, out tokens!);
        }
    }

    public void Set(string userId, StoredToken[] tokens)
    {
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

    private static int Weight(StoredToken[] tokens) => tokens.Length + 1;

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % Stripes);
}
