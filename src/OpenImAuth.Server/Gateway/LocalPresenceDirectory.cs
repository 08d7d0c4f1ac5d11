using OpenImAuth.Core.Presence;

namespace OpenImAuth.Server.Gateway;

/// <summary>The presence directory of one instance alone: its own connection registry is the whole truth.</summary>
internal sealed class LocalPresenceDirectory(ConnectionRegistry registry) : IPresenceDirectory
{
    // Nothing to record: the registry already holds every connection of this instance.
    public ValueTask ConnectedAsync(PresenceEntry entry, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisconnectedAsync(PresenceEntry entry, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<IReadOnlyList<PresenceEntry>> FindAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.Online(userIds));
}
