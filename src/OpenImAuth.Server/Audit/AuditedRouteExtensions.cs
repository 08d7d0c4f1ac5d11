namespace OpenImAuth.Server.Audit;

internal static class AuditedRouteExtensions
{
    /// <summary>Every answered call of the route is recorded as <paramref name="action"/>, failures included.</summary>
    public static IEndpointConventionBuilder Audited(this IEndpointConventionBuilder route, string action) =>
        route.WithMetadata(new AuditActionMetadata(action));

    /// <summary>A token presented to the route must be an administrator's; a refused one is audited.</summary>
    public static IEndpointConventionBuilder AdminToken(this IEndpointConventionBuilder route) =>
        route.WithMetadata(new AdminTokenMetadata());
}
