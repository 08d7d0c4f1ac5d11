namespace OpenImAuth.Server.Gateway;

/// <summary>The head of the HTTP/1.1 request that opens a gateway connection; the body, if any, is never read.</summary>
internal sealed record GatewayHttpRequest(string Method, string Target, string? WebSocketKey)
{
    /// <summary>A WebSocket upgrade as RFC 6455 section 4.2.1 asks for it: GET, Upgrade, Connection, version 13, a key.</summary>
    public bool IsWebSocket => WebSocketKey is not null;

    /// <summary>A HEAD request: its answer has the headers a GET would get, Content-Length too, but no body (RFC 9110 section 9.3.2).</summary>
    public bool IsHead => Method == "HEAD";

    public PathString Path => PathString.FromUriComponent(Target.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? Target[..q] : Target);

    /// <summary>The raw query, without its '?'.</summary>
    public ReadOnlySpan<char> Query => Target.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? Target.AsSpan(q + 1) : default;
}
