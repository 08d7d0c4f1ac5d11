namespace OpenImAuth.Core.Audit;

/// <summary>
/// Where audit entries are kept durably: beside the users, in the store's own database. Entries are only ever appended
/// and, once older than the retention, pruned.
/// </summary>
public interface IAuditStore
{
    /// <summary>Stores <paramref name="entries"/>, all or none; durable when the task completes.</summary>
    Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// The entries matching <paramref name="query"/>, newest first (by time, then by the order they were appended),
    /// after skipping <paramref name="skip"/> and at most <paramref name="take"/> of them, with the count of all that match.
    /// A filter value that no entry can hold (such as text with U+0000) matches nothing.
    /// </summary>
    Task<AuditPage> SearchAsync(AuditQuery query, int skip, int take, CancellationToken cancellationToken);

    /// <summary>Deletes every entry whose time is before <paramref name="before"/> (Unix ms); returns how many.</summary>
    Task<long> PruneAsync(long before, CancellationToken cancellationToken);
}
