namespace OpenImAuth.Core.Users;

/// <summary>A page of users and the count of all users matching the same filter.</summary>
public sealed record UserPage<T>(long Total, IReadOnlyList<T> Items);
