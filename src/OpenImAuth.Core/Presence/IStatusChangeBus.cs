namespace OpenImAuth.Core.Presence;

/// <summary>
/// Carries online-status changes to every instance's gateway, so that each pushes them to the connections that
/// subscribed to the user (2005). Alone, the instance hears its own; scaled out, Redis pub/sub carries them to all.
/// </summary>
public interface IStatusChangeBus
{
    /// <summary>Raised for every change, the publishing instance's own included.</summary>
    event Action<StatusChange>? Changed;

    Task PublishAsync(StatusChange change, CancellationToken cancellationToken);
}
