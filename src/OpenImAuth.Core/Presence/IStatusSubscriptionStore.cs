namespace OpenImAuth.Core.Presence;

/// <summary>
/// The users whose online status a user subscribed to over REST (<c>/user/subscribe_users_status</c>), kept like
/// OpenIM keeps them: per user, until unsubscribed, at most <see cref="MaxPerUser"/> (docs/decisions.md, D15).
/// Gateway subscriptions (2005) are not kept here: they belong to the connection that made them.
/// </summary>
public interface IStatusSubscriptionStore
{
    /// <summary>OpenIM's <c>MaximumSubscription</c>: past it, the oldest subscriptions make room for the new ones.</summary>
    public const int MaxPerUser = 3000;

    /// <summary>Adds the targets not yet subscribed, newest last, dropping the oldest beyond <see cref="MaxPerUser"/>.</summary>
    Task SubscribeAsync(string userId, IReadOnlyList<string> targets, CancellationToken cancellationToken);

    /// <summary>Removes the targets; ones never subscribed are ignored.</summary>
    Task UnsubscribeAsync(string userId, IReadOnlyList<string> targets, CancellationToken cancellationToken);

    /// <summary>The user's subscriptions, oldest first.</summary>
    Task<IReadOnlyList<string>> ListAsync(string userId, CancellationToken cancellationToken);
}
