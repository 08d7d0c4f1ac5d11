using System.Diagnostics;
using System.Globalization;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Security;

/// <summary>
/// The lockout check of the routes that take the secret: ahead of OpenIM's whole pipeline, a locked-out address gets
/// HTTP 429 with a 1010 envelope whatever it sends, the right secret included (or its answer would tell a guesser
/// when a guess was right).
/// </summary>
internal static partial class SecretRoutes
{
    public static IEndpointConventionBuilder GuardSecret(this IEndpointConventionBuilder route)
    {
        route.Add(endpoint =>
        {
            var next = endpoint.RequestDelegate ?? throw new InvalidOperationException("a secret route needs its handler first");
            endpoint.RequestDelegate = context => HttpMethods.IsPost(context.Request.Method) ? CheckAsync(context, next) : next(context);
            endpoint.Metadata.Add(SecretRoute.Instance);
        });
        return route;
    }

    private static async Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var services = context.RequestServices;
        DateTimeOffset? lockedUntil;
        try
        {
            lockedUntil = await services.GetRequiredService<SecretGuard>().LockedUntilAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away
        }
        catch (Exception ex)
        {
            // Only Redis keeps lockouts outside this process; without it, no secret is tried (as with the token store down).
            LogCheckFailed(services.GetRequiredService<ILogger<SecretGuard>>(), ex);
            var error = StoreFailures.Describe(ex, services.GetRequiredService<ServerSettings>())
                ?? OpenImError.Internal("unexpected server error; see the server log");
            await AnswerAsync(context, error, StatusCodes.Status200OK, started);
            return;
        }
        if (lockedUntil is not { } until)
        {
            await next(context);
            return;
        }
        var seconds = Math.Max(1, (long)Math.Ceiling((until - services.GetRequiredService<TimeProvider>().GetUtcNow()).TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await AnswerAsync(context, new OpenImError(ErrorCodes.SecretLockedOutError,
            $"too many wrong secrets from this address; locked out until {until.ToUnixTimeSeconds()} (unix seconds), {seconds} s from now"),
            StatusCodes.Status429TooManyRequests, started);
    }

    private static async Task AnswerAsync(HttpContext context, OpenImError error, int status, long started)
    {
        await Envelope.WriteAsync(context, error, status);
        context.RequestServices.GetRequiredService<RequestLog>().Answered(context, error.Code, started);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking for a secret lockout failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
