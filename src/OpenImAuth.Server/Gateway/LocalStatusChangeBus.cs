using OpenImAuth.Core.Presence;

namespace OpenImAuth.Server.Gateway;

/// <summary>The online-status bus of one instance alone: a change goes straight to its own gateway.</summary>
internal sealed class LocalStatusChangeBus : IStatusChangeBus
{
    public event Action<StatusChange>? Changed;

    public Task PublishAsync(StatusChange change, CancellationToken cancellationToken)
    {
        Changed?.Invoke(change);
        return Task.CompletedTask;
    }
}
