namespace OpenImAuth.Server.Audit;

/// <summary>
/// How the pipeline audits a route: <see cref="Action"/> names the entry of each answered call (none when null), and
/// <see cref="AdminToken"/> says that a token presented to it must be an administrator's, so a refused one is recorded
/// as <c>admin_token_refused</c>.
/// </summary>
internal sealed record AuditedRoute(string? Action, bool AdminToken)
{
    public static AuditedRoute Of(Endpoint? endpoint) => new(
        endpoint?.Metadata.GetMetadata<AuditActionMetadata>()?.Action,
        endpoint?.Metadata.GetMetadata<AdminTokenMetadata>() is not null);
}
