using OpenImAuth.Core.Concurrency;
using OpenImAuth.Core.Tokens;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Applies token state changes in Redis, one <see cref="TokenChangesScript"/> at a time: the changes that arrive while
/// a script runs go together into the next one (<see cref="OneRoundInFlight{TCaller, TAwaited, TRound, TReply}"/>), as a group
/// commit does for a disk, so a busy instance pays the script's fixed costs once per batch, not per login. A script
/// that times out fails the changes queued behind it too, unsent (so never applied), rather than each waiting for a
/// timeout of its own script.
/// </summary>
internal sealed class RedisChangeBatcher(IDatabase db, TimeSpan keyLifetime, RedisChannel announcements, bool announceKicks)
    : OneRoundInFlight<RedisChangeBatcher.Pending, Task<TokenChangeOutcome>, List<RedisChangeBatcher.Pending>, RedisResult>
{
    private const int MaxChangesPerScript = 64;

    private List<Pending> _queued = [];

    /// <summary>What the script answered for <paramref name="change"/>.</summary>
    public Task<TokenChangeOutcome> ApplyAsync(TokenStateChange change) => Join(new Pending(change));

    protected override Task<TokenChangeOutcome> Queue(Pending pending)
    {
        _queued.Add(pending);
        return pending.Task;
    }

    protected override bool HasQueued => _queued.Count > 0;

    /// <summary>The oldest queued changes, as many as one script takes, or all of them.</summary>
    protected override List<Pending> TakeQueued(bool all)
    {
        if (all || _queued.Count <= MaxChangesPerScript)
        {
            var queued = _queued;
            _queued = [];
            return queued;
        }
        var oldest = _queued[..MaxChangesPerScript];
        _queued.RemoveRange(0, MaxChangesPerScript);
        return oldest;
    }

    protected override Task<RedisResult> SendAsync(List<Pending> batch)
    {
        var arguments = new TokenChangesScript.Arguments(batch.Count, keyLifetime, announcements, announceKicks);
        foreach (var pending in batch)
        {
            arguments.Add(pending.Change);
        }
        var (keys, values) = arguments.ToArrays();
        return db.ScriptEvaluateAsync(TokenChangesScript.Body, keys, values);
    }

    // The callers run on inline, one after another, rather than each as a thread-pool item (each hand-off a thread
    // switch; switches were a sixth of the profile): the next script is already on its way.
    protected override void Answer(List<Pending> batch, RedisResult reply)
    {
        RedisResult[] replies;
        try
        {
            replies = TokenChangesScript.ReadReplies(reply, batch.Count);
        }
        catch (InvalidOperationException unreadable)
        {
            Fail(batch, unreadable);
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].TrySetResult(new TokenChangeOutcome(replies[i]));
        }
    }

    // Every change of the script may or may not have been applied; each caller decides.
    protected override void Fail(List<Pending> batch, Exception failure)
    {
        foreach (var pending in batch)
        {
            pending.TrySetException(failure);
        }
    }

    /// <summary>A change waiting for its script, and its caller waiting for the outcome.</summary>
    internal sealed class Pending(TokenStateChange change) : TaskCompletionSource<TokenChangeOutcome>
    {
        public TokenStateChange Change => change;
    }
}
