using System.Collections.Concurrent;
using OpenImAuth.Core;
using OpenImAuth.Core.Security;

namespace OpenImAuth.Server.Security;

/// <summary>
/// Locks out client addresses that keep sending wrong secrets, on the store's <see cref="ISecretFailureStore"/>
/// (this instance's memory, or Redis when scaled out). Only wrong secrets count: the app server that mints every
/// user's token from one address is never slowed by its own successes.
/// </summary>
internal sealed partial class SecretGuard(ISecretFailureStore failures, TimeProvider time, ILogger<SecretGuard> logger) : IDisposable
{
    // The timers that log the end of each lockout begun here.
    private readonly ConcurrentDictionary<ITimer, byte> _endings = new();

    /// <summary>When the caller's lockout ends, or null when it may try a secret.</summary>
    public ValueTask<DateTimeOffset?> LockedUntilAsync(HttpContext context) =>
        failures.LockedUntilAsync(ClientAddress.Of(context), context.RequestAborted);

    /// <summary>The one place a wrong secret is counted; answers when the lockout ends if this failure began one.</summary>
    public async ValueTask<DateTimeOffset?> RecordSecretFailureAsync(HttpContext context)
    {
        var address = ClientAddress.Of(context);
        var failure = await failures.RecordFailureAsync(address, context.RequestAborted);
        if (failure.LockedUntil is { } until)
        {
            LockoutBegan(address, failure.Failures, until);
        }
        return failure.LockedUntil;
    }

    /// <summary>
    /// The one place a previous secret's use is noted: a Warning naming the caller's address and which entry of
    /// <c>previousSecrets</c> it sent (never the secret), so that the operator sees which app servers still send the
    /// old one, and the metric.
    /// </summary>
    public void RecordPreviousSecretUsed(HttpContext context, SecretMatch match)
    {
        OpenImAuthMetrics.PreviousSecretUsed();
        LogPreviousSecretUsed(logger, ClientAddress.Of(context), match.PreviousIndex, context.Request.Path);
    }

    /// <summary>
    /// The one place a lockout begins (exactly one failure begins each, whichever instance counted it). It is logged
    /// now, and its end when it comes, by a timer of the instance where it began, so each is logged once.
    /// </summary>
    private void LockoutBegan(string address, int failures, DateTimeOffset until)
    {
        LogLockoutBegan(logger, address, failures, until);
        OpenImAuthMetrics.LockedOut();
        ITimer? ending = null;
        ending = time.CreateTimer(_ =>
        {
            LogLockoutEnded(logger, address);
            if (_endings.TryRemove(ending!, out byte _))
            {
                ending!.Dispose();
            }
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _endings[ending] = 0;
        var due = until - time.GetUtcNow();
        ending.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        foreach (var ending in _endings.Keys)
        {
            ending.Dispose();
        }
        _endings.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secret lockout: {clientAddress} is locked out until {lockedUntil:O} after {failures} wrong secrets")]
    private static partial void LogLockoutBegan(ILogger logger, string clientAddress, int failures, DateTimeOffset lockedUntil);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A previous secret (previousSecrets[{previousIndex}]) was used by {clientAddress} on {route}; it still sends the old secret")]
    private static partial void LogPreviousSecretUsed(ILogger logger, string clientAddress, int previousIndex, string? route);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secret lockout: {clientAddress} may try secrets again")]
    private static partial void LogLockoutEnded(ILogger logger, string clientAddress);
}
