namespace OpenImAuth.Server.Audit;

internal sealed record AuditActionMetadata(string Action);
