using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// What <see cref="TokenChangesScript"/> answered for one change: applied (1); stale, its basis no longer held and
/// nothing written (the user's hashes as they are, as <see cref="UserTokensScript"/> answers them); or refused (the
/// text of the error of a key that is not a hash: that change wrote nothing while the rest of its batch went on).
/// </summary>
internal readonly struct TokenChangeOutcome(RedisResult reply)
{
    // Null-safe: a default outcome (no script ran) is neither.
    public bool Applied => reply is { Resp2Type: ResultType.Integer } && (long)reply == 1;

    public bool Stale => reply is { Resp2Type: ResultType.Array };

    /// <summary>The user's tokens as the script found them; for a <see cref="Stale"/> outcome only.</summary>
    public StoredToken[] CurrentTokens(string userId) => UserTokensScript.ReadReply(userId, reply);

    /// <summary>The reply as Redis sent it: for a refused change, the error's text.</summary>
    public override string ToString() => reply?.ToString() ?? "";
}
