namespace OpenImAuth.Core.Presence;

/// <summary>One live gateway connection as the online-status routes report it.</summary>
/// <param name="UserId">The connection's user (the token's <c>UserID</c>).</param>
/// <param name="PlatformId">The connection's platform (the token's <c>PlatformID</c>).</param>
/// <param name="ConnId">OpenIM's connection ID: the client's address and the connect time in Unix milliseconds.</param>
/// <param name="IsBackground">The <c>isBackground</c> flag the client connected with.</param>
/// <param name="Token">The token the connection logged in with.</param>
public sealed record PresenceEntry(string UserId, int PlatformId, string ConnId, bool IsBackground, string Token);

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
