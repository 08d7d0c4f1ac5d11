namespace OpenImAuth.Core.Audit;

/// <summary>What to search for; null matches anything. <see cref="From"/> and <see cref="To"/> are inclusive Unix ms.</summary>
public sealed record AuditQuery(string? UserId, string? Action, long? From, long? To)
{
    /// <summary>
    /// Whether a filter holds U+0000, which no stored entry does (PostgreSQL cannot store it, and the audit trail
    /// replaces it): such a query matches nothing, on every store.
    /// </summary>
    public bool MatchesNothing => UserId?.Contains('\0', StringComparison.Ordinal) == true
        || Action?.Contains('\0', StringComparison.Ordinal) == true;

    /// <summary>
    /// The SQL <c>WHERE</c> clause of the filters set ("" when none), over the columns <c>user_id</c>, <c>action</c> and
    /// <c>time</c>, with the parameters <c>userId</c>, <c>action</c>, <c>from</c> and <c>to</c> named after
    /// <paramref name="parameterPrefix"/> (<c>$</c> for SQLite, <c>@</c> for PostgreSQL).
    /// </summary>
    public string WhereClause(char parameterPrefix)
    {
        var conditions = new List<string>(4);
        if (UserId is not null)
        {
            conditions.Add($"user_id = {parameterPrefix}userId");
        }
        if (Action is not null)
        {
            conditions.Add($"action = {parameterPrefix}action");
        }
        if (From is not null)
        {
            conditions.Add($"time >= {parameterPrefix}from");
        }
        if (To is not null)
        {
            conditions.Add($"time <= {parameterPrefix}to");
        }
        return conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
    }
}
