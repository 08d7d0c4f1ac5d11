using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Json;

namespace OpenImAuth.Server.Gateway;

/// <summary>One frame for the writer: its bytes and whether it goes out as TEXT or BINARY.</summary>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type);

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

/// <summary>Keys match case-insensitively on input, as Go's encoding/json does; null values are written, as Go does.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(GatewayRequest))]
[JsonSerializable(typeof(GatewayResponse))]
[JsonSerializable(typeof(TextMessage))]
[JsonSerializable(typeof(HandshakeResult))]
internal sealed partial class GatewayJson : JsonSerializerContext;

/// <summary>The frames the gateway sends, as bytes.</summary>
internal static class GatewayFrames
{
    public const int GetConvMaxReadSeq = 1006;
    public const int KickOnline = 2002;
    public const int Logout = 2003;
    public const int SubUserOnlineStatus = 2005;

    // Strings escaped as Go escapes them, as in the API's envelopes.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = GoJsonEncoder.Instance };

    /// <summary>TEXT <c>{"errCode":0,"errMsg":"","errDlt":""}</c>: the JS SDK counts as logged in when it gets it.</summary>
    public static readonly OutboundFrame LoggedIn = Text(new HandshakeResult(0, "", ""), GatewayJson.Default.HandshakeResult);

    /// <summary>BINARY 2002 with no data: the JS SDK reports OnKickedOffline and does not reconnect.</summary>
    public static readonly OutboundFrame Kicked = Binary(new GatewayResponse(KickOnline, "", "", 0, "", null));

    public static OutboundFrame HandshakeFailed(OpenImError error) =>
        Text(new HandshakeResult(error.Code, error.Message, error.WireDetail), GatewayJson.Default.HandshakeResult);

    /// <summary>TEXT pong that echoes the ping's body (null for the JS SDK's bodiless ping), as OpenIM does.</summary>
    public static OutboundFrame Pong(JsonElement? body) =>
        Text(new TextMessage("pong", body is { ValueKind: not JsonValueKind.Undefined } ? body : null), GatewayJson.Default.TextMessage);

    public static OutboundFrame Reply(GatewayRequest request, OpenImError? error = null, byte[]? data = null) =>
        Binary(new GatewayResponse(request.ReqIdentifier, request.MsgIncr ?? "", request.OperationId ?? "",
            error?.Code ?? 0, error?.Message ?? "", data is null ? null : Convert.ToBase64String(data)));

    /// <summary>BINARY 2005 with no msgIncr or operationID: a subscribed user's online platforms changed.</summary>
    public static OutboundFrame StatusPush(byte[] tips) =>
        Binary(new GatewayResponse(SubUserOnlineStatus, "", "", 0, "", Convert.ToBase64String(tips)));

    private static OutboundFrame Binary(GatewayResponse response) =>
        new(Serialize(response, GatewayJson.Default.GatewayResponse), WebSocketMessageType.Binary);

    private static OutboundFrame Text<T>(T value, JsonTypeInfo<T> type) => new(Serialize(value, type), WebSocketMessageType.Text);

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            JsonSerializer.Serialize(writer, value, type);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
