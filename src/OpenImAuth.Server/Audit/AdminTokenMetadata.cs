namespace OpenImAuth.Server.Audit;

internal sealed record AdminTokenMetadata;
