namespace OpenImAuth.Server.Http;

/// <summary>
/// OpenIM's global HTTP behaviour (mw.CorsHandler): its CORS headers on every answer, and <c>OPTIONS</c> on any path
/// answered with the JSON string <c>"Options Request!"</c>.
/// </summary>
internal sealed class OpenImHeaders(RequestDelegate next)
{
    private static readonly byte[] OptionsAnswer = "\"Options Request!\""u8.ToArray();

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = "*";
        headers.AccessControlAllowHeaders = "*";
        headers.AccessControlExposeHeaders = "Content-Length, Access-Control-Allow-Origin, Access-Control-Allow-Headers,Cache-Control,Content-Language,Content-Type,Expires,Last-Modified,Pragma,FooBar";
        headers.AccessControlMaxAge = "172800";
        headers.AccessControlAllowCredentials = "false";
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            return Envelope.WriteJsonAsync(context, OptionsAnswer);
        }
        return next(context);
    }
}
