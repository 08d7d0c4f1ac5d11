using Microsoft.AspNetCore.Http.Features;
using OpenImAuth.Core;
using OpenImAuth.Server.Configuration;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OpenImAuth.Server.Http;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text: our meter (<see cref="OpenImAuthMetrics"/>) and ASP.NET Core's request
/// duration per route, collected by OpenTelemetry. Served on the API ports, or only on <c>prometheus.port</c> when set.
/// </summary>
internal static class OpenImMetrics
{
    // ASP.NET Core's own meter: http.server.request.duration, labelled with the route's pattern (http_route).
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";

    public static IServiceCollection AddOpenImMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            // Settings are read when the provider is built, from the final configuration (test hosts add theirs late).
            // Disabled, nothing listens: no instrument records anything and the stores are not timed.
            ((IDeferredMeterProviderBuilder)metrics).Configure((sp, builder) =>
            {
                if (sp.GetRequiredService<ServerSettings>().Prometheus.Enabled)
                {
                    builder.AddMeter(OpenImAuthMetrics.Meter.Name, HostingMeter);
                    // Two updates of one shared series per request, about 1.4 µs of a 25 µs parse_token (measured);
                    // the duration histogram's count already gives the request rate.
                    builder.AddView("http.server.active_requests", MetricStreamConfiguration.Drop);
                }
            });
            metrics.ConfigureResource(resource => resource.AddService("openimauth")); // target_info's service_name
            metrics.SetExemplarFilter(ExemplarFilterType.AlwaysOff);
            metrics.AddPrometheusExporter(options =>
            {
                // Every scrape sees the counts as they are (the default would answer a copy up to 300 ms old).
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                // One meter per metric name here, so the otel_scope_* labels on every series would say nothing.
                options.ScopeInfoEnabled = false;
            });
        });
        return services;
    }

    /// <summary>
    /// With <c>prometheus.port</c>, that port answers <c>/metrics</c> and a 404 envelope for anything else. Goes before
    /// routing, so the OpenIM routes are never served there; its requests are kept out of the request metrics.
    /// </summary>
    public static void UseOpenImMetrics(this IApplicationBuilder app, PrometheusSettings settings)
    {
        if (settings.Port is not { } port)
        {
            return;
        }
        app.MapWhen(context => context.Connection.LocalPort == port, metricsPort =>
        {
            metricsPort.Use((context, next) =>
            {
                if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
                {
                    tags.MetricsDisabled = true;
                }
                return next(context);
            });
            metricsPort.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == PrometheusSettings.Path);
            metricsPort.Run(OpenImRoutes.NotFoundAsync);
        });
    }

    /// <summary>Without <c>prometheus.port</c>, <c>/metrics</c> is a route of the API ports (scrapes are not counted as requests).</summary>
    public static void MapOpenImMetrics(this IEndpointRouteBuilder routes, PrometheusSettings settings)
    {
        if (settings.Enabled && settings.Port is null)
        {
            routes.MapPrometheusScrapingEndpoint(PrometheusSettings.Path).DisableHttpMetrics();
        }
    }
}
