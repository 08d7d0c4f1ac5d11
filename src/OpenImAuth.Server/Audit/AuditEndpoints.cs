using OpenImAuth.Core.Audit;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Server.Audit;

/// <summary>The <c>/audit</c> module (ours, not OpenIM's): searching the audit log.</summary>
internal static class AuditEndpoints
{
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
        if ((BoundedPage.Check(request.Pagination, out var skip, out var take) ?? CheckRange(request) ?? call.RequireAdmin()) is { } refused)
        {
            return refused;
        }
        var query = new AuditQuery(NullIfEmpty(request.UserId), NullIfEmpty(request.Action), request.From, request.To);
        var page = await call.Services.Audit.Store.SearchAsync(query, skip, take, call.Aborted);
        return ApiResult.Ok(new AuditSearchResponse(page.Total, page.Entries.Select(AuditEntryOutput.From).ToList()),
            ApiJson.Default.AuditSearchResponse);
    }

    private static OpenImError? CheckRange(AuditSearchRequest request) =>
        request is { From: { } from, To: { } to } && from > to
            ? OpenImError.Args($"from ({from}) is after to ({to})")
            : null;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
