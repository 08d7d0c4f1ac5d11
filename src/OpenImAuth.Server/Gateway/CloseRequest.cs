using System.Net.WebSockets;

namespace OpenImAuth.Server.Gateway;

/// <summary>Why a connection ends: the close frame to send, and the frame to send just before it, if any.</summary>
internal sealed record CloseRequest(WebSocketCloseStatus Status, string Description, OutboundFrame? LastFrame = null)
{
    /// <summary>force_logout or a multi-login kick: the 2002 frame, then a normal close.</summary>
    public static readonly CloseRequest Kicked = new(WebSocketCloseStatus.NormalClosure, "kicked", GatewayFrames.Kicked);

    public static readonly CloseRequest ShuttingDown = new(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");

    public static readonly CloseRequest ReadTimeout = new(WebSocketCloseStatus.PolicyViolation, "read timeout");

    public static readonly CloseRequest LoggedOut = new(WebSocketCloseStatus.NormalClosure, "logged out");

    public static readonly CloseRequest BadText = new(WebSocketCloseStatus.InvalidMessageType, "text frames carry only ping and pong");

    public static readonly CloseRequest ServerError = new(WebSocketCloseStatus.InternalServerError, "server error");

    public static CloseRequest TooBig(int maxBytes) => new(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {maxBytes} bytes");

    /// <summary>The client closed first: answer with its own status, as the WebSocket close handshake asks.</summary>
    public static CloseRequest Echo(WebSocketCloseStatus? status) =>
        new(status is null or WebSocketCloseStatus.Empty ? WebSocketCloseStatus.NormalClosure : status.Value, "");
}
