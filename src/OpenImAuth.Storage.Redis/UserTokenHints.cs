using System.Text;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Each user's tokens as this instance last wrote or read them in Redis: the basis the next login plans from, so
/// that a login makes one round trip instead of a read and then a write. Only a hint: the apply script checks the
/// basis atomically and answers a stale one with the user's current tokens, so a wrong hint costs a round trip and
/// never a wrong write. Bounded by the number of tokens held (each user counting one more, so that users without
/// tokens are bounded too, and a token kept as text one more per <see cref="TextBytesPerUnit"/> bytes of it); a
/// stripe that would exceed its share is emptied first. The user being set is always kept, even one whose tokens alone
/// exceed the share (an administrator keeps every token): a retry plans from it. A token in OpenIM's exact layout is
/// kept compact (<see cref="CompactToken"/>): about 95 bytes with its claims and its share of the user's entry, where
/// the same token kept as UTF-8 took about 255 (the benchmark's 167-character tokens), so the same memory remembers
/// several times the users. A lookup writes the text out again, which costs far less than the second script a
/// forgotten user pays. Any other token is kept as UTF-8.
/// </summary>
internal sealed class UserTokenHints(int maxTokens)
{
    private const int Stripes = 64;

    /// <summary>A token kept as text weighs one more for each of these many bytes: about what a compact hint takes.</summary>
    internal const int TextBytesPerUnit = 72;

    /// <summary>Above this many tokens a Set finds the strings a lookup gave out by a dictionary, not by a scan.</summary>
    private const int ScannedGiven = 16;

    private readonly Dictionary<string, Entry>[] _stripes =
        Enumerable.Range(0, Stripes).Select(_ => new Dictionary<string, Entry>(StringComparer.Ordinal)).ToArray();
    private readonly int[] _tokenCounts = new int[Stripes];
    private readonly long[] _reusedCounts = new long[Stripes]; // counted under each stripe's lock, for tests
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
        var given = new string[hints.Length];
        for (var i = 0; i < hints.Length; i++)
        {
            var hint = hints[i];
            given[i] = hint.Text is { } utf8 ? Encoding.UTF8.GetString(utf8)
                : hint.Compact.ToToken(userId, hint.PlatformId, hint.IssuedAt, hint.ExpiresAt);
            tokens[i] = new StoredToken(given[i], userId, hint.PlatformId, hint.Status, hint.IssuedAt, hint.ExpiresAt);
        }
        lock (users)
        {
            // Kept until the user's next Set (a lookup plans a login, whose apply always ends in Set or Forget), which
            // then knows these very strings without checking them again. A copy: the caller may reorder its array.
            if (users.TryGetValue(userId, out var current) && ReferenceEquals(current.Hints, hints))
            {
                users[userId] = current with { Given = given };
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
        var given = previous.Given is { } strings ? new GivenStrings(strings) : default;
        var reused = 0;
        for (var i = 0; i < held.Length; i++)
        {
            var token = held[i];
            var at = given.IndexOf(token.Token, i);
            if (at >= 0 && previous.Hints[at] is var hint && hint.PlatformId == token.PlatformId
                && hint.IssuedAt == token.IssuedAt && hint.ExpiresAt == token.ExpiresAt)
            {
                tokens[i] = hint with { Status = token.Status };
                reused++;
            }
            else
            {
                tokens[i] = ToHint(userId, token);
            }
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
            _reusedCounts[stripe] += reused;
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

    private static Hint ToHint(string userId, StoredToken token)
    {
        var text = CompactToken.TryCreate(token.Token, userId, token.PlatformId, token.IssuedAt, token.ExpiresAt, out var compact)
            ? null : Encoding.UTF8.GetBytes(token.Token);
        return new Hint(text, compact, token.PlatformId, token.Status, token.IssuedAt, token.ExpiresAt);
    }

    /// <summary>How many tokens a Set took over from the lookup before it, unchecked (for tests).</summary>
    internal long ReusedHints
    {
        get
        {
            long reused = 0;
            for (var stripe = 0; stripe < Stripes; stripe++)
            {
                lock (_stripes[stripe])
                {
                    reused += _reusedCounts[stripe];
                }
            }
            return reused;
        }
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

    private static int Weight(Hint[] tokens)
    {
        var weight = tokens.Length + 1;
        foreach (var token in tokens)
        {
            weight += token.Text is { } text ? (text.Length + TextBytesPerUnit - 1) / TextBytesPerUnit : 0;
        }
        return weight;
    }

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % Stripes);

    /// <summary>
    /// A user's tokens as remembered and, between a lookup and the user's next Set, the texts that lookup gave out,
    /// index for index.
    /// </summary>
    private readonly record struct Entry(Hint[] Hints, string[]? Given);

    /// <summary>
    /// Where a lookup gave out the very string <c>token</c>, or -1: by reference, so it was written out of the hint at
    /// that index. A plan keeps the order, so the same index is tried first; many tokens are found by a dictionary.
    /// </summary>
    private readonly struct GivenStrings(string[] given)
    {
        private readonly Dictionary<object, int>? _indexes = given.Length > ScannedGiven ? IndexesOf(given) : null;

        public int IndexOf(string token, int expectedAt)
        {
            if (given is null)
            {
                return -1;
            }
            if (expectedAt < given.Length && ReferenceEquals(given[expectedAt], token))
            {
                return expectedAt;
            }
            if (_indexes is not null)
            {
                return _indexes.TryGetValue(token, out var at) ? at : -1;
            }
            for (var i = 0; i < given.Length; i++)
            {
                if (ReferenceEquals(given[i], token))
                {
                    return i;
                }
            }
            return -1;
        }

        private static Dictionary<object, int> IndexesOf(string[] given)
        {
            var indexes = new Dictionary<object, int>(given.Length, ReferenceEqualityComparer.Instance);
            for (var i = 0; i < given.Length; i++)
            {
                indexes.TryAdd(given[i], i);
            }
            return indexes;
        }
    }

    /// <summary>A token as remembered: its user is the key it is kept under, its text null when it is compact.</summary>
    private readonly record struct Hint(byte[]? Text, CompactToken Compact, int PlatformId, int Status, long IssuedAt, long ExpiresAt);
}
