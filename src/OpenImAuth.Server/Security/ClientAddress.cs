namespace OpenImAuth.Server.Security;

internal static class ClientAddress
{
    /// <summary>
    /// Who is calling, as text: the socket's address, or behind a trusted proxy the first hop of X-Forwarded-For that is
    /// not one (see <see cref="ClientLimits.UseTrustedProxies"/>). IPv4 clients of a dual-stack listener count as IPv4.
    /// </summary>
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        var address => address.ToString(),
    };
}
