namespace OpenImAuth.Server.Configuration;

/// <summary>The WebSocket gateway's settings, under OpenIM's <c>longConnSvr</c> keys.</summary>
/// <param name="Ports">Where the gateway listens (on <c>api.listenIP</c>); no API route is served there.</param>
/// <param name="ExtraPath">A path accepted besides <c>/</c>, for clients whose <c>wsAddr</c> carries one; null for none.</param>
/// <param name="MaxConnections">Connections held at once; one more is refused with 1601.</param>
/// <param name="MaxMessageBytes">Largest frame a client may send; a larger one closes the connection with 1009.</param>
/// <param name="ReadTimeout">Silence after which a connection is closed (the JS client pings every 10 s).</param>
internal sealed record GatewaySettings(
    IReadOnlyList<int> Ports,
    string? ExtraPath,
    int MaxConnections,
    int MaxMessageBytes,
    TimeSpan ReadTimeout)
{
    public const int DefaultPort = 10001;

    public bool IsGatewayPath(PathString path) =>
        path == "/" || (ExtraPath is not null && path.Equals(ExtraPath, StringComparison.Ordinal));

    /// <summary>Reads the <c>longConnSvr</c> keys; problems go to <paramref name="read"/> with the key to fix.</summary>
    public static GatewaySettings Read(SettingsReader read, IReadOnlyList<int> apiPorts)
    {
        var ports = read.IntList("longConnSvr:openImWsPort", [DefaultPort], 1, 65535,
            "WebSocket gateway ports (on api.listenIP; none may be an API port)");
        if (ports.Intersect(apiPorts).FirstOrDefault() is var shared and > 0)
        {
            read.Fail("longConnSvr:openImWsPort", $"port {shared} is also in api.openImApiPort; the gateway needs ports of its own");
        }
        var path = read.String("longConnSvr:path", "", "a path the gateway accepts besides /, e.g. /msg_gateway");
        if (path.Length > 0 && (path[0] != '/' || path.IndexOfAny(['?', '#', ' ']) >= 0))
        {
            read.Fail("longConnSvr:path", $"'{path}' is not a URL path; write it like /msg_gateway");
        }
        var maxConnections = read.Int("longConnSvr:websocketMaxConnNum", 100_000, 1, 10_000_000, "connections held at once; one more gets 1601");
        var maxMessage = read.Int("longConnSvr:websocketMaxMsgLen", 4096, 512, 64 << 20,
            "largest frame a client may send, in bytes (512 or more); a larger one closes the connection with 1009");
        var timeoutSeconds = read.Int("longConnSvr:websocketTimeout", 30, 1, 3600,
            "seconds without any frame before the gateway closes a connection; keep it above the clients' 10 s heartbeat");
        return new GatewaySettings(ports.Distinct().ToList(), path is "" or "/" ? null : path, maxConnections, maxMessage,
            TimeSpan.FromSeconds(timeoutSeconds));
    }
}
