namespace OpenImAuth.Core.Presence;

/// <summary>A user's online platforms changed: <paramref name="PlatformIds"/> are those online now (empty: offline).</summary>
public sealed record StatusChange(string UserId, IReadOnlyList<int> PlatformIds);
