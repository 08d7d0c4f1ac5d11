namespace OpenImAuth.Core;

/// <summary>A configured administrator: exists from start-up and may call admin-only routes.</summary>
public sealed record AdminAccount(string UserId, string Nickname);
