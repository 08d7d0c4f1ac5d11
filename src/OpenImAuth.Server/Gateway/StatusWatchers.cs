using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// Which of this instance's connections subscribed (2005) to which users, and the push of a change to them. As in
/// OpenIM, a subscription belongs to the connection that made it and ends with it; a change is pushed when a
/// subscribed user's set of online platforms changes, on whichever instance it happened (the bus).
/// </summary>
internal sealed partial class StatusWatchers : IDisposable
{
    private readonly IStatusChangeBus _bus;
    private readonly IPresenceDirectory _presence;
    private readonly ILogger<StatusWatchers> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<GatewayConnection>> _byTarget = new(StringComparer.Ordinal);
    private readonly Dictionary<GatewayConnection, HashSet<string>> _byConnection = [];

    // The platforms last pushed for each watched user: two instances (or two closes racing on one) may both see a
    // user's last connection go, and subscribers should hear of it once.
    private readonly Dictionary<string, string> _lastPushed = new(StringComparer.Ordinal);

    public StatusWatchers(IStatusChangeBus bus, IPresenceDirectory presence, ILogger<StatusWatchers> logger)
    {
        _bus = bus;
        _presence = presence;
        _logger = logger;
        _bus.Changed += Push;
    }

    /// <summary>
    /// Applies a 2005 request (unsubscriptions first, so that a user in both lists stays subscribed, as in OpenIM) and
    /// answers the current status of the users it subscribed to; an error when the connection would hold too many.
    /// </summary>
    public async Task<(byte[]? Tips, OpenImError? Error)> SubscribeAsync(GatewayConnection connection, SubscriptionRequest request)
    {
        lock (_gate)
        {
            var held = _byConnection.GetValueOrDefault(connection) ?? [];
            var after = held.Except(request.Unsubscribe, StringComparer.Ordinal).Union(request.Subscribe, StringComparer.Ordinal).Count();
            if (after > IStatusSubscriptionStore.MaxPerUser)
            {
                return (null, OpenImError.Args($"a connection may subscribe to at most {IStatusSubscriptionStore.MaxPerUser} users"));
            }
            foreach (var target in request.Unsubscribe.Except(request.Subscribe, StringComparer.Ordinal))
            {
                if (held.Remove(target) && _byTarget.TryGetValue(target, out var watchers) && watchers.Remove(connection) && watchers.Count == 0)
                {
                    _byTarget.Remove(target);
                    _lastPushed.Remove(target);
                }
            }
            foreach (var target in request.Subscribe)
            {
                if (held.Add(target))
                {
                    if (!_byTarget.TryGetValue(target, out var watchers))
                    {
                        _byTarget[target] = watchers = [];
                    }
                    watchers.Add(connection);
                }
            }
            if (held.Count > 0 && !connection.IsClosing)
            {
                _byConnection[connection] = held;
            }
            else
            {
                Forget(connection, held);
            }
        }
        if (request.Subscribe.Count == 0)
        {
            return (null, null); // OpenIM's empty answer: no data
        }
        var entries = await _presence.FindAsync(request.Subscribe.ToHashSet(StringComparer.Ordinal), CancellationToken.None);
        return (StatusProto.WriteTips(request.Subscribe.Select(id => (id, PlatformsOf(entries, id)))), null);
    }

    /// <summary>The connection ended: its subscriptions go with it.</summary>
    public void Remove(GatewayConnection connection)
    {
        lock (_gate)
        {
            if (_byConnection.Remove(connection, out var held))
            {
                Forget(connection, held);
            }
        }
    }

    /// <summary>
    /// After <paramref name="entry"/> connected or disconnected: publishes its user's online platforms when the
    /// platform it is on came online or went offline (its first connection there, or its last).
    /// </summary>
    public async Task AnnounceAsync(PresenceEntry entry, bool connected)
    {
        try
        {
            var entries = await _presence.FindAsync([entry.UserId], CancellationToken.None);
            var onPlatform = entries.Count(e => e.PlatformId == entry.PlatformId);
            if (connected ? onPlatform == 1 : onPlatform == 0)
            {
                await _bus.PublishAsync(new StatusChange(entry.UserId, PlatformsOf(entries, entry.UserId)), CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            LogAnnounceFailed(_logger, ex, entry.UserId); // subscribers miss this change; the REST routes still read it
        }
    }

    public static IReadOnlyList<int> PlatformsOf(IReadOnlyList<PresenceEntry> entries, string userId) =>
        entries.Where(e => e.UserId == userId).Select(e => e.PlatformId).Distinct().Order().ToList();

    private void Push(StatusChange change)
    {
        List<GatewayConnection> watchers;
        lock (_gate)
        {
            var platforms = string.Join(',', change.PlatformIds);
            if (!_byTarget.TryGetValue(change.UserId, out var set) || _lastPushed.GetValueOrDefault(change.UserId) == platforms)
            {
                return;
            }
            _lastPushed[change.UserId] = platforms;
            watchers = [.. set];
        }
        var frame = GatewayFrames.StatusPush(StatusProto.WriteTips([(change.UserId, change.PlatformIds)]));
        foreach (var connection in watchers)
        {
            connection.TrySend(frame); // a closing connection, or one whose outbox is full, misses it, as in OpenIM
        }
    }

    private void Forget(GatewayConnection connection, HashSet<string> held)
    {
        foreach (var target in held)
        {
            if (_byTarget.TryGetValue(target, out var watchers) && watchers.Remove(connection) && watchers.Count == 0)
            {
                _byTarget.Remove(target);
                _lastPushed.Remove(target);
            }
        }
    }

    public void Dispose() => _bus.Changed -= Push;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: could not announce the online status of {UserId} to subscribers")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception, string userId);
}
