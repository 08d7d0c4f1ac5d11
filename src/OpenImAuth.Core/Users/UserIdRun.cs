using System.Data.Common;

namespace OpenImAuth.Core.Users;

/// <summary>
/// User IDs in registration order, and where the next read continues: a position, not a count, so that reading on
/// costs the same however far into the table it is.
/// </summary>
public sealed record UserIdRun(IReadOnlyList<string> UserIds, long Next)
{
    /// <summary>Runs <paramref name="command"/>, whose rows are (position, user ID) in position order.</summary>
    public static async Task<UserIdRun> ReadAsync(DbCommand command, long after, CancellationToken cancellationToken)
    {
        var userIds = new List<string>();
        var next = after;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            next = reader.GetInt64(0);
            userIds.Add(reader.GetString(1));
        }
        return new UserIdRun(userIds, next);
    }
}
