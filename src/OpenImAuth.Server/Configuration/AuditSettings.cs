namespace OpenImAuth.Server.Configuration;

/// <summary>The <c>audit.*</c> keys: whether the audit trail records, and how long it keeps entries.</summary>
/// <param name="Enabled">Whether entries are recorded; <c>/audit/search</c> answers either way.</param>
/// <param name="RetentionDays">Days an entry is kept; 0 keeps entries forever.</param>
internal sealed record AuditSettings(bool Enabled, int RetentionDays)
{
    public static AuditSettings Read(SettingsReader read) => new(
        read.Bool("audit:enable", true, "record token issuance, revocations, refused secrets and admin tokens, and user changes in the audit log"),
        read.Int("audit:retentionDays", 90, 0, 36500, "days an audit entry is kept before the hourly prune deletes it; 0 keeps entries forever"));
}
