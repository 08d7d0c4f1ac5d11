using System.Diagnostics;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Audit;

namespace OpenImAuth.Server.Http;

/// <summary>
/// Maps one OpenIM route with OpenIM's request pipeline, in OpenIM's error precedence (docs/decisions.md, W2): operationID,
/// then token, then JSON decoding, then the handler's own checks. Anything unexpected becomes errCode 500 in the
/// envelope, never a bare HTTP 500.
/// </summary>
internal static partial class OpenImRoutes
{
    public static IEndpointConventionBuilder MapOpenIm<TRequest>(this IEndpointRouteBuilder routes, string path, Access access,
        JsonTypeInfo<TRequest> requestType, OpenImHandler<TRequest> handler)
        where TRequest : class
    {
        // Mapped for every method so that a GET on a POST route is 404 like gin's, not ASP.NET's 405.
        // The singletons are looked up once, on the first request (the store opens after the routes are mapped).
        RouteServices? services = null;
        return routes.Map(path, context => HandleAsync(context, services ??= RouteServices.From(context), access, requestType, handler))
            .WithName(path)
            .WithMetadata(new OpenImRoute(access, typeof(TRequest)));
    }

    /// <summary>Unknown routes: 404 with an envelope that says so.</summary>
    public static Task NotFoundAsync(HttpContext context)
    {
        CloseAfterUnreadBody(context, context.RequestServices.GetRequiredService<Configuration.ServerSettings>().MaxRequestBodyBytes);
        return Envelope.WriteAsync(context, OpenImError.Args($"no route {context.Request.Method} {context.Request.Path}"),
            StatusCodes.Status404NotFound);
    }

    private sealed record RouteServices(AuthServices Auth, Configuration.ServerSettings Settings, ILogger Logger, RequestLog Requests,
        AuditedRoute Audit)
    {
        public int MaxRequestBodyBytes => Settings.MaxRequestBodyBytes;

        public static RouteServices From(HttpContext context) => new(
            context.RequestServices.GetRequiredService<AuthServices>(),
            context.RequestServices.GetRequiredService<Configuration.ServerSettings>(),
            context.RequestServices.GetRequiredService<ILogger<AuthServices>>(),
            context.RequestServices.GetRequiredService<RequestLog>(),
            AuditedRoute.Of(context.GetEndpoint()));
    }

    private static async Task HandleAsync<TRequest>(HttpContext context, RouteServices route, Access access,
        JsonTypeInfo<TRequest> requestType, OpenImHandler<TRequest> handler)
        where TRequest : class
    {
        var started = Stopwatch.GetTimestamp();
        Storage.Redis.RequestStart.Mark(started);
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await NotFoundAsync(context);
            route.Requests.Answered(context, ErrorCodes.ArgsError, started);
            return;
        }
        ApiResult result;
        var status = StatusCodes.Status200OK;
        var bodyRead = false;
        var call = new OpenImCall(context, route.Auth);
        try
        {
            (result, status, bodyRead) = await RunAsync(context, access, requestType, handler, call, route.MaxRequestBodyBytes);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away; nobody is left to answer
        }
        catch (Exception ex)
        {
            LogUnexpected(route.Logger, ex, context.Request.Path);
            result = StoreFailures.Describe(ex, route.Settings) ?? OpenImError.Internal("unexpected server error; see the server log");
        }
        if (!bodyRead)
        {
            CloseAfterUnreadBody(context, route.MaxRequestBodyBytes);
        }
        await Envelope.WriteAsync(context, result, status);
        route.Requests.Answered(context, result.Error?.Code ?? 0, started);
        call.Answered(route.Audit, result);
    }

    /// <summary>The answer, its status, and whether the body was read to its end.</summary>
    private static async Task<(ApiResult, int, bool)> RunAsync<TRequest>(HttpContext context, Access access,
        JsonTypeInfo<TRequest> requestType, OpenImHandler<TRequest> handler, OpenImCall call, int maxBodyBytes)
        where TRequest : class
    {
        if (string.IsNullOrEmpty(context.Request.Headers["operationID"]))
        {
            return (OpenImError.Args("header must have operationID"), StatusCodes.Status200OK, false);
        }
        if (access == Access.Token && await call.AuthenticateAsync() is { } tokenError)
        {
            return (tokenError, StatusCodes.Status200OK, false);
        }
        var (request, bodyError, bodyStatus) = await RequestBody.ReadAsync(context, requestType, maxBodyBytes);
        if (bodyError is not null)
        {
            // Only a body refused for its size is left unread; the others were read to where they failed.
            return (bodyError, bodyStatus, bodyStatus != StatusCodes.Status413PayloadTooLarge);
        }
        return (await handler(request!, call), StatusCodes.Status200OK, true);
    }

    /// <summary>
    /// Kestrel reads a body that the answer left unread to its end before the connection's next request, but when that
    /// rest is over its own limit (ours plus 64 KiB) it closes the connection instead, without a word, and a client
    /// that sends its next request on it sees that request fail. So an answer that leaves a body over our limit, or
    /// of a length not known in advance (chunked), unread says that the connection closes.
    /// </summary>
    private static void CloseAfterUnreadBody(HttpContext context, int maxBodyBytes)
    {
        var request = context.Request;
        if (request.ContentLength > maxBodyBytes
            || (request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true))
        {
            context.Response.Headers.Connection = "close";
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure answering {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, PathString path);
}
