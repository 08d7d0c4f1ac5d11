using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Security;

/// <summary>Who the client is behind trusted proxies, and the optional general rate limit per client address.</summary>
internal static class ClientLimits
{
    /// <summary>ASP.NET Core's rate limiter, configured from security.rateLimit; it runs only when that is above 0.</summary>
    public static IServiceCollection AddOpenImRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ServerSettings>((options, settings) =>
        {
            var perSecond = settings.Security.RateLimit;
            // A token bucket per address: up to a second's worth at once, refilled every second.
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
                RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress ?? IPAddress.None, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(perSecond, 1),
                    TokensPerPeriod = Math.Max(perSecond, 1),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) => RejectAsync(rejected.HttpContext, perSecond);
        });
        return services;
    }

    /// <summary>
    /// Behind proxies in security.trustedProxies, the client is the right-most X-Forwarded-For hop that is not itself a
    /// trusted proxy (ASP.NET Core's forwarded headers, with its default of trusting loopback removed); from any
    /// other address the header is ignored. Without trusted proxies, nothing runs.
    /// </summary>
    public static void UseTrustedProxies(this WebApplication app, SecuritySettings security)
    {
        if (security.TrustedProxies.Count == 0)
        {
            return;
        }
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = null };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in security.TrustedProxies)
        {
            options.KnownIPNetworks.Add(network);
        }
        app.UseForwardedHeaders(options);
    }

    /// <summary>The rate limiter, when security.rateLimit is above 0; after OpenIM's headers, so a refusal carries them too.</summary>
    public static void UseRateLimit(this WebApplication app, SecuritySettings security)
    {
        if (security.RateLimit > 0)
        {
            app.UseRateLimiter();
        }
    }

    private static async ValueTask RejectAsync(HttpContext context, int perSecond)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var error = new OpenImError(ErrorCodes.RateLimitedError, $"more than {perSecond} requests per second from this address");
        context.Response.Headers.RetryAfter = "1";
        await Envelope.WriteAsync(context, error, StatusCodes.Status429TooManyRequests);
        context.RequestServices.GetRequiredService<RequestLog>().Answered(context, error.Code, started);
    }
}
