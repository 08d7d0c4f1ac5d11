using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.AdminConsole;

/// <summary>
/// <c>GET /console/</c>: the administrators' page and its scripts, embedded in this assembly, so a published server
/// and <c>dotnet run</c> serve the same files whatever the working directory. The page only calls the public routes
/// (docs/decisions.md, D17); this class only serves files.
/// </summary>
internal static class ConsoleEndpoints
{
    public const string Path = "/console";

    // Nothing from another host, no inline script or style, never in a frame: a page that holds an admin token must
    // not run anything but its own files, nor be clickjacked into pressing "Revoke all sessions".
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static void MapConsole(this IEndpointRouteBuilder routes)
    {
        var files = Load();
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        // One route for /console, /console/ and the files: the catch-all also matches nothing at all.
        routes.MapMethods(Path + "/{**file}", methods, context =>
        {
            var name = context.Request.RouteValues["file"] as string;
            if (string.IsNullOrEmpty(name) && !context.Request.Path.Value!.EndsWith('/'))
            {
                // The page's relative links need the trailing slash.
                context.Response.Redirect(Path + "/");
                return Task.CompletedTask;
            }
            return files.TryGetValue(string.IsNullOrEmpty(name) ? "index.html" : name, out var file)
                ? WriteAsync(context, file)
                : RequestLog.NotFoundAsync(context);
        }).ExcludeFromDescription();
    }

    private static Task WriteAsync(HttpContext context, ConsoleFile file)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // Revalidated on every use: the files are small, the 304 costs a round trip only, and an upgraded server's
        // page is never mixed with an older script from the cache (the names carry no version to bust it).
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0 && EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
            && tags.Any(tag => tag.Compare(file.Tag, useStrongComparison: false) || tag.Equals(EntityTagHeaderValue.Any)))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : context.Response.Body.WriteAsync(file.Content).AsTask();
    }

    /// <summary>Every embedded file, read once at start-up (a few tens of KB in all).</summary>
    private static FrozenDictionary<string, ConsoleFile> Load()
    {
        var provider = new ManifestEmbeddedFileProvider(typeof(ConsoleEndpoints).Assembly, "AdminConsole/wwwroot");
        var files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var entry in provider.GetDirectoryContents("/"))
        {
            if (entry.IsDirectory || !ContentTypes.TryGetValue(System.IO.Path.GetExtension(entry.Name), out var contentType))
            {
                continue;
            }
            using var stream = entry.CreateReadStream();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"");
            files[entry.Name] = new ConsoleFile(content, contentType, tag);
        }
        // A build that lost the resources would serve a console of 404s: fail at start-up instead.
        if (!files.ContainsKey("index.html"))
        {
            throw new InvalidOperationException("the admin console's files are not embedded in this build");
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record ConsoleFile(byte[] Content, string ContentType, EntityTagHeaderValue Tag)
    {
        public string ETag { get; } = Tag.ToString();
    }
}
