namespace OpenImAuth.Core.Users;

/// <summary>What <see cref="IUserStore.ListAsync"/> returns: case-insensitive substring filters, OR-ed when both are set.</summary>
public sealed record UserFilter(string? UserIdContains, string? NicknameContains, bool OrdinaryUsersOnly);
