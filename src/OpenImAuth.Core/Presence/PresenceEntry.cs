namespace OpenImAuth.Core.Presence;

/// <summary>One live gateway connection as the online-status routes report it.</summary>
/// <param name="UserId">The connection's user (the token's <c>UserID</c>).</param>
/// <param name="PlatformId">The connection's platform (the token's <c>PlatformID</c>).</param>
/// <param name="ConnId">OpenIM's connection ID: the client's address and the connect time in Unix milliseconds.</param>
/// <param name="IsBackground">The <c>isBackground</c> flag the client connected with.</param>
/// <param name="Token">The token the connection logged in with.</param>
public sealed record PresenceEntry(string UserId, int PlatformId, string ConnId, bool IsBackground, string Token);
