namespace OpenImAuth.Server.Configuration;

/// <summary>The <c>prometheus.*</c> keys: whether <c>/metrics</c> is served, and where.</summary>
/// <param name="Enabled">Whether metrics are collected and served at all.</param>
/// <param name="Port">A port of its own for <c>/metrics</c> (on <c>api.listenIP</c>, then not on the API ports); null serves it on the API ports.</param>
internal sealed record PrometheusSettings(bool Enabled, int? Port)
{
    public const string Path = "/metrics";

    public static PrometheusSettings Read(SettingsReader read, IReadOnlyList<int> apiPorts, IReadOnlyList<int> gatewayPorts)
    {
        var enabled = read.Bool("prometheus:enable", true, "serve GET /metrics in Prometheus text; false collects nothing");
        var portText = read.String("prometheus:port", "", "serve /metrics on this port of its own (on api.listenIP) instead of the API ports");
        int? port = portText.Length == 0 ? null : read.Int("prometheus:port", 0, 1, 65535, "");
        if (port is { } own && (apiPorts.Contains(own) || gatewayPorts.Contains(own)))
        {
            read.Fail("prometheus:port", $"port {own} is also an API or gateway port; /metrics needs a port of its own (or no prometheus.port, to serve it on the API ports)");
        }
        return new PrometheusSettings(enabled, enabled ? port : null);
    }
}
