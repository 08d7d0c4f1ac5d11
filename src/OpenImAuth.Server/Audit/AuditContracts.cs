using System.Text.Json.Serialization;
using OpenImAuth.Core.Audit;
using OpenImAuth.Server.Users;

namespace OpenImAuth.Server.Audit;

/// <summary><c>/audit/search</c>: optional filters, <c>from</c>/<c>to</c> in inclusive Unix milliseconds.</summary>
internal sealed record AuditSearchRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("from")] long? From,
    [property: JsonPropertyName("to")] long? To,
    [property: JsonPropertyName("pagination")] Pagination? Pagination);

internal sealed record AuditSearchResponse(
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("entries")] IReadOnlyList<AuditEntryOutput> Entries);

internal sealed record AuditEntryOutput(
    [property: JsonPropertyName("time")] long Time,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("operationID")] string OperationId,
    [property: JsonPropertyName("actor")] string Actor,
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("errCode")] int ErrCode,
    [property: JsonPropertyName("detail")] string Detail)
{
    public static AuditEntryOutput From(AuditEntry e) =>
        new(e.Time, e.Action, e.OperationId, e.Actor, e.UserId, e.PlatformId, e.Address, e.ErrCode, e.Detail);
}
