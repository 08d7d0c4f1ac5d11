using System.Text;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Each user's tokens as this instance last wrote or read them in Redis: the basis the next login plans from, so
/// that a login makes one round trip instead of a read and then a write. Only a hint: the apply script checks the
/// basis atomically and answers a stale one with the user's current tokens, so a wrong hint costs a round trip and
/// never a wrong write. Bounded by the number of tokens held (each user counting one more, so that users without
/// tokens are bounded too); a stripe that would exceed its share is emptied first. The user being set is always kept,
/// even one whose tokens alone exceed the share (an administrator keeps every token): a retry plans from it. A token
/// in OpenIM's exact layout is kept compact (<see cref="CompactToken"/>, about 72 bytes with its claims, where its text
/// as a .NET string takes about 450), so the same memory remembers several times the users; a lookup writes the text
/// again, which costs far less than the second script a forgotten user pays. Any other token is kept as UTF-8.
/// </summary>
internal sealed class UserTokenHints(int maxTokens)
{
    private const int Stripes = 64;
    private readonly Dictionary<string, Entry>[] _stripes =
        Enumerable.Range(0, Stripes).Select(_ => new Dictionary<string, Entry>(StringComparer.Ordinal)).ToArray();
    private readonly int[] _tokenCounts = new int[Stripes];
    private readonly int _maxTokensPerStripe = Math.Max(1, maxTokens / Stripes);

    public bool TryGet(string userId, out StoredToken[] tokens)
    {
        var users = _stripes[StripeOf(userId)];
        Entry entry;
        lock (users)
        {
            if (!users.TryGetValue(userId, out entry))
            {
                tokens = [];
                return false;
            }
        }
        var hints = entry.Hints;
        tokens = new StoredToken[hints.Length];
        for (var i = 0; i < hints.Length; i++)
        {
            var hint = hints[i];
            var text = hint.Text is { } utf8 ? Encoding.UTF8.GetString(utf8)
                : hint.Compact.ToToken(userId, hint.PlatformId, hint.IssuedAt, hint.ExpiresAt);
            tokens[i] = new StoredToken(text, userId, hint.PlatformId, hint.Status, hint.IssuedAt, hint.ExpiresAt);
        }
        lock (users)
        {
            // Kept until the user's next Set, which then knows these very strings without reading them again.
            if (users.TryGetValue(userId, out var current) && ReferenceEquals(current.Hints, hints))
            {
                users[userId] = current with { Given = tokens };
            }
        }
        return true;
    }

    public void Set(string userId, StoredToken[] held)
    {
        var stripe = StripeOf(userId);
        var users = _stripes[stripe];
        Entry previous;
        lock (users)
        {
            users.TryGetValue(userId, out previous);
        }
        var tokens = new Hint[held.Length];
        for (var i = 0; i < held.Length; i++)
        {
            tokens[i] = GivenBefore(previous, held[i]) ?? ToHint(userId, held[i]);
        }
        lock (users)
        {
            if (users.Remove(userId, out var replaced))
            {
                _tokenCounts[stripe] -= Weight(replaced.Hints);
            }
            if (_tokenCounts[stripe] + Weight(tokens) > _maxTokensPerStripe)
            {
                users.Clear();
                _tokenCounts[stripe] = 0;
            }
            users[userId] = new Entry(tokens, null); // even above the share: a retry plans from it
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
                _tokenCounts[stripe] -= Weight(previous.Hints);
            }
        }
    }

    /// <summary>
    /// The remembered form of <paramref name="token"/> when its text is the very string a lookup wrote out of one (a
    /// basis token kept, or kicked, by a plan), with the status it holds now; null for any other token.
    /// </summary>
    private static Hint? GivenBefore(Entry previous, StoredToken token)
    {
        if (previous.Given is not { } given)
        {
            return null;
        }
        for (var i = 0; i < given.Length; i++)
        {
            if (ReferenceEquals(given[i].Token, token.Token) && given[i].PlatformId == token.PlatformId)
            {
                return previous.Hints[i] with { Status = token.Status };
            }
        }
        return null;
    }

    private static Hint ToHint(string userId, StoredToken token)
    {
        var text = CompactToken.TryCreate(token.Token, userId, token.PlatformId, token.IssuedAt, token.ExpiresAt, out var compact)
            ? null : Encoding.UTF8.GetBytes(token.Token);
        return new Hint(text, compact, token.PlatformId, token.Status, token.IssuedAt, token.ExpiresAt);
    }

    /// <summary>How many of the user's remembered tokens could not be kept compact (for tests).</summary>
    internal int TokensKeptAsText(string userId)
    {
        var stripe = StripeOf(userId);
        lock (_stripes[stripe])
        {
            return _stripes[stripe].TryGetValue(userId, out var entry) ? entry.Hints.Count(hint => hint.Text is not null) : 0;
        }
    }

    private static int Weight(Hint[] tokens) => tokens.Length + 1;

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % Stripes);

    /// <summary>
    /// A user's tokens as remembered and, between a lookup and the user's next Set, the tokens that lookup gave out,
    /// index for index.
    /// </summary>
    private readonly record struct Entry(Hint[] Hints, StoredToken[]? Given);

    /// <summary>A token as remembered: its user is the key it is kept under, its text null when it is compact.</summary>
    private readonly record struct Hint(byte[]? Text, CompactToken Compact, int PlatformId, int Status, long IssuedAt, long ExpiresAt);
}
