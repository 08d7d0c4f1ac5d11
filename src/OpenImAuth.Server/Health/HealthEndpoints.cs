using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OpenImAuth.Server.Health;

/// <summary>
/// <c>GET /healthz</c> (the process serves) and <c>GET /readyz</c> (its stores do too) on the API ports, for load
/// balancers and orchestrators as they are. Neither is an OpenIM route: no operationID, no envelope, not in the API
/// reference, and any other method on their paths gets the usual 404 envelope.
/// </summary>
internal static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    private const string StoreCheck = "store";

    public static IServiceCollection AddOpenImHealth(this IServiceCollection services)
    {
        // A singleton, so that probes under way are shared between checks.
        services.AddSingleton<StoreReadinessCheck>();
        services.AddHealthChecks().AddCheck<StoreReadinessCheck>(StoreCheck);
        return services;
    }

    public static void MapOpenImHealth(this IEndpointRouteBuilder routes)
    {
        // Liveness runs no check at all: that the process answers is the whole answer.
        routes.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteLivenessAsync })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        routes.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = static check => check.Name == StoreCheck, ResponseWriter = WriteReadinessAsync })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
    }

    private static Task WriteLivenessAsync(HttpContext context, HealthReport report) =>
        WriteAsync(context, json => json.WriteString("status", "ok"));

    /// <summary><c>{"status":"ready"}</c>, or <c>{"status":"unavailable","down":{"redis":"timed out after 800 ms"}}</c> with HTTP 503.</summary>
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report) =>
        WriteAsync(context, json =>
        {
            if (report.Status == HealthStatus.Healthy)
            {
                json.WriteString("status", "ready");
                return;
            }
            json.WriteString("status", "unavailable");
            json.WriteStartObject("down");
            foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
            {
                if (entry.Data.Count == 0)
                {
                    // The check itself threw; its message could name a host, so the log has it and the answer does not.
                    json.WriteString(name, "check failed; see the server log");
                }
                foreach (var (store, problem) in entry.Data)
                {
                    json.WriteString(store, problem.ToString());
                }
            }
            json.WriteEndObject();
        });

    private static Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            writeFields(json);
            json.WriteEndObject();
        }
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
