namespace OpenImAuth.Core.Presence;

/// <summary>
/// Who is connected to the gateway. One instance alone answers from its own connection registry; scaled out, an
/// implementation shared by every instance (Redis) records connections as they come and go and answers for all of them.
/// </summary>
public interface IPresenceDirectory
{
    /// <summary>This instance accepted <paramref name="entry"/>; called before the client is told it is logged in.</summary>
    ValueTask ConnectedAsync(PresenceEntry entry, CancellationToken cancellationToken);

    /// <summary>This instance lost <paramref name="entry"/> (closed, kicked or dropped); called once per connection.</summary>
    ValueTask DisconnectedAsync(PresenceEntry entry, CancellationToken cancellationToken);

    /// <summary>Every live connection of the given users, on every instance; users without one are simply absent.</summary>
    ValueTask<IReadOnlyList<PresenceEntry>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);
}
