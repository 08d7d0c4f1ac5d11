using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// A BINARY request of the JS SDK (Go's <c>msggateway.Req</c>); <c>token</c> is not needed here. <c>data</c> (base64
/// protobuf) is kept as it came, so that only the requests that read it fail on a bad one.
/// </summary>
internal sealed record GatewayRequest(
    [property: JsonPropertyName("reqIdentifier")] int ReqIdentifier,
    [property: JsonPropertyName("msgIncr")] string? MsgIncr,
    [property: JsonPropertyName("sendID")] string? SendId,
    [property: JsonPropertyName("operationID")] string? OperationId,
    [property: JsonPropertyName("data")] JsonElement? Data = null);

/// <summary>A BINARY reply (Go's <c>msggateway.Resp</c>), in Go's field order; <c>data</c> is base64 protobuf or null.</summary>
internal sealed record GatewayResponse(
    [property: JsonPropertyName("reqIdentifier")] int ReqIdentifier,
    [property: JsonPropertyName("msgIncr")] string MsgIncr,
    [property: JsonPropertyName("operationID")] string OperationId,
    [property: JsonPropertyName("errCode")] int ErrCode,
    [property: JsonPropertyName("errMsg")] string ErrMsg,
    [property: JsonPropertyName("data")] string? Data);

/// <summary>A TEXT heartbeat, <c>{"type":"ping"}</c> from the client and <c>{"type":"pong","body":…}</c> back.</summary>
internal sealed record TextMessage(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("body")] JsonElement? Body);

/// <summary>The handshake result, the first TEXT frame (OpenIM's envelope without <c>data</c>).</summary>
internal sealed record HandshakeResult(
    [property: JsonPropertyName("errCode")] int ErrCode,
    [property: JsonPropertyName("errMsg")] string ErrMsg,
    [property: JsonPropertyName("errDlt")] string ErrDlt);
