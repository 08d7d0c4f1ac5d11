namespace OpenImAuth.Server.Gateway;

/// <summary>What a 2005 request asks: users to subscribe to and to unsubscribe from (sdkws.SubUserOnlineStatus).</summary>
internal sealed record SubscriptionRequest(IReadOnlyList<string> Subscribe, IReadOnlyList<string> Unsubscribe);
