using OpenImAuth.Core.Audit;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Server.Audit;

/// <summary>The <c>/audit</c> module (ours, not OpenIM's): searching the audit log.</summary>
internal static class AuditEndpoints
{
    /// <summary>The most entries one page may ask for.</summary>
    public const int MaxShowNumber = 1000;

    public static void MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/audit");
        group.MapOpenIm("/search", Access.Token, ApiJson.Default.AuditSearchRequest, SearchAsync)
            .Describe<AuditSearchResponse>("An administrator searches the audit log, newest first, by user, action and time (Unix ms, inclusive).",
                ErrorCodes.NoPermissionError)
            .AdminToken();
    }

    private static async ValueTask<ApiResult> SearchAsync(AuditSearchRequest request, OpenImCall call)
    {
        if ((CheckPage(request) ?? call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        var pagination = request.Pagination!;
        var take = pagination.ShowNumber!.Value;
        var skip = (int)Math.Min(int.MaxValue, (pagination.PageNumber!.Value - 1L) * take);
        var query = new AuditQuery(NullIfEmpty(request.UserId), NullIfEmpty(request.Action), request.From, request.To);
        var page = await call.Services.Audit.Store.SearchAsync(query, skip, take, call.Aborted);
        return ApiResult.Ok(new AuditSearchResponse(page.Total, page.Entries.Select(AuditEntryOutput.From).ToList()),
            ApiJson.Default.AuditSearchResponse);
    }

    private static OpenImError? CheckPage(AuditSearchRequest request)
    {
        if (request.Pagination is not { } pagination)
        {
            return OpenImError.Args("pagination is empty");
        }
        if (pagination.PageNumber is not >= 1)
        {
            return OpenImError.Args("pagination.pageNumber must be 1 or more");
        }
        if (pagination.ShowNumber is not (>= 1 and <= MaxShowNumber))
        {
            return OpenImError.Args($"pagination.showNumber must be 1 to {MaxShowNumber}");
        }
        return request is { From: { } from, To: { } to } && from > to
            ? OpenImError.Args($"from ({from}) is after to ({to})")
            : null;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
