using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Json;

namespace OpenImAuth.Server.Gateway;

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
