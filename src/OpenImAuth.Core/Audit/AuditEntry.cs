namespace OpenImAuth.Core.Audit;

/// <summary>
/// One recorded event: a token issued, refused or revoked, a user registered or changed. Never holds a secret or a token.
/// </summary>
/// <param name="Time">When, in Unix milliseconds.</param>
/// <param name="Action">The route's name for its own action (<c>user_token</c>, <c>force_logout</c>, …), otherwise one of
/// <see cref="AuditActions"/>.</param>
/// <param name="OperationId">The request's <c>operationID</c> header.</param>
/// <param name="Actor">The administrator's userID, the caller's userID, or <c>secret</c> for the secret routes.</param>
/// <param name="UserId">The user acted on ("" when none).</param>
/// <param name="PlatformId">The platform acted on (0 when none).</param>
/// <param name="Address">The client's address.</param>
/// <param name="ErrCode">The answer's errCode; 0 on success.</param>
/// <param name="Detail">A few words on what happened.</param>
public sealed record AuditEntry(
    long Time,
    string Action,
    string OperationId,
    string Actor,
    string UserId,
    int PlatformId,
    string Address,
    int ErrCode,
    string Detail);

/// <summary>The actions that are not a route's own.</summary>
public static class AuditActions
{
    public const string SecretRefused = "secret_refused";
    public const string AdminTokenRefused = "admin_token_refused";
    public const string PreviousSecretUsed = "previous_secret_used";
    public const string MultiLoginKick = "multi_login_kick";

    /// <summary>The <see cref="AuditEntry.Actor"/> of a request that presented the secret.</summary>
    public const string SecretActor = "secret";
}

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

/// <summary>A page of entries, newest first, and how many entries match in all.</summary>
public sealed record AuditPage(long Total, IReadOnlyList<AuditEntry> Entries);
