namespace OpenImAuth.Core.Audit;

/// <summary>A page of entries, newest first, and how many entries match in all.</summary>
public sealed record AuditPage(long Total, IReadOnlyList<AuditEntry> Entries);
