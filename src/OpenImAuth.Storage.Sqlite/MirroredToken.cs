using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// One live token as the embedded store's memory keeps it, without its user (the key it is kept under): 80 bytes.
/// A token in OpenIM's exact layout is kept as its signature (<see cref="CompactToken"/>) and written out again when
/// its text is asked for; any other token keeps its text. <see cref="Seq"/> is the log row that last wrote its state,
/// which compaction carries forward while the token lives.
/// </summary>
internal readonly struct MirroredToken
{
    private readonly CompactToken _compact;
    private readonly string? _text; // null when compact
    private readonly byte _status; // OpenIM's statuses are 0 to 3

    private MirroredToken(CompactToken compact, string? text, int platformId, int status, long issuedAt, long expiresAt,
        long issuedAtMs, long seq)
    {
        _compact = compact;
        _text = text;
        PlatformId = platformId;
        _status = checked((byte)status);
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        IssuedAtMs = issuedAtMs;
        Seq = seq;
    }

    public int PlatformId { get; }

    public int Status => _status;

    public long IssuedAt { get; }

    public long ExpiresAt { get; }

    public long IssuedAtMs { get; }

    public long Seq { get; }

    /// <summary>Whether it is kept as its text: not a token in OpenIM's exact layout (for tests).</summary>
    internal bool IsText => _text is not null;

    /// <summary><paramref name="token"/>, compact when it is exactly OpenIM's layout for its claims, as logged at <paramref name="seq"/>.</summary>
    public static MirroredToken From(StoredToken token, long seq)
    {
        var text = CompactToken.TryCreate(token.Token, token.UserId, token.PlatformId, token.IssuedAt, token.ExpiresAt, out var compact)
            ? null : token.Token;
        return new MirroredToken(compact, text, token.PlatformId, token.Status, token.IssuedAt, token.ExpiresAt, token.IssuedAtMs, seq);
    }

    /// <summary>The same token in a new state, logged at <paramref name="seq"/>.</summary>
    public MirroredToken With(int status, long issuedAtMs, long seq) =>
        new(_compact, _text, PlatformId, status, IssuedAt, ExpiresAt, issuedAtMs, seq);

    /// <summary>Whether this is the user's token <paramref name="token"/>: compared by signature first, with nothing written out.</summary>
    public bool Is(string userId, string token) =>
        _text is { } text ? text == token : _compact.IsTextOf(token, userId, PlatformId, IssuedAt, ExpiresAt);

    /// <summary>The token's text (written out afresh when compact).</summary>
    public string TextOf(string userId) => _text ?? _compact.ToToken(userId, PlatformId, IssuedAt, ExpiresAt);

    public StoredToken ToStored(string userId) =>
        new(TextOf(userId), userId, PlatformId, Status, IssuedAt, ExpiresAt) { IssuedAtMs = IssuedAtMs };

    /// <summary>
    /// <see cref="StoredToken.OldestFirst"/> on mirrored tokens of one user: the texts are written out only for two
    /// tokens of the same second.
    /// </summary>
    public static int OldestFirst(string userId, in MirroredToken a, in MirroredToken b)
    {
        var order = a.IssuedAt.CompareTo(b.IssuedAt);
        if (order == 0)
        {
            order = string.CompareOrdinal(a.TextOf(userId), b.TextOf(userId));
        }
        return order != 0 ? order : a.PlatformId.CompareTo(b.PlatformId);
    }
}
