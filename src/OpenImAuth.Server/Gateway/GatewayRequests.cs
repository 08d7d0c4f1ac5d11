using System.Net.WebSockets;
using System.Text.Json;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// What the gateway answers to each client frame (docs/decisions.md, W10). TEXT carries only the heartbeat; BINARY
/// requests always get a BINARY reply with their reqIdentifier, msgIncr and operationID, an error one when the request
/// is bad or not supported, so that a client's pending call ends instead of the connection (OpenIM would close it).
/// </summary>
internal static class GatewayRequests
{
    private static readonly GatewayRequest Unreadable = new(0, "", "", "");

    /// <summary>A 2005 request, read and checked, for the connection to apply (it needs the presence directory).</summary>
    public sealed record PendingSubscription(GatewayRequest Request, SubscriptionRequest Subscription);

    public static (OutboundFrame? Reply, CloseRequest? Close, PendingSubscription? Subscription) Handle(
        WebSocketMessageType type, ReadOnlySpan<byte> payload, PresenceEntry connection)
    {
        if (type == WebSocketMessageType.Text)
        {
            var (reply, close) = HandleText(payload);
            return (reply, close, null);
        }
        return HandleBinary(payload, connection);
    }

    private static (OutboundFrame?, CloseRequest?) HandleText(ReadOnlySpan<byte> payload)
    {
        TextMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(payload, GatewayJson.Default.TextMessage);
        }
        catch (JsonException)
        {
            message = null;
        }
        // There is no TEXT error reply (the JS SDK takes any TEXT frame but a pong as a handshake result), so a TEXT
        // frame that is not a heartbeat closes the connection, as in OpenIM.
        return message?.Type switch
        {
            "ping" => (GatewayFrames.Pong(message.Body), null),
            "pong" => (null, null), // an answer to nothing we sent; harmless
            _ => (null, CloseRequest.BadText),
        };
    }

    private static (OutboundFrame?, CloseRequest?, PendingSubscription?) HandleBinary(ReadOnlySpan<byte> payload, PresenceEntry connection)
    {
        GatewayRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(payload, GatewayJson.Default.GatewayRequest);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null)
        {
            return (GatewayFrames.Reply(Unreadable, OpenImError.Args("a BINARY frame must be a JSON request object")), null, null);
        }
        if (request.SendId != connection.UserId)
        {
            return (GatewayFrames.Reply(request,
                OpenImError.NoPermission($"sendID {request.SendId} is not the connection's user {connection.UserId}")), null, null);
        }
        if (request.ReqIdentifier == GatewayFrames.SubUserOnlineStatus)
        {
            return ReadSubscription(request) is { } subscription
                ? (null, null, new PendingSubscription(request, subscription))
                : (GatewayFrames.Reply(request, OpenImError.Args("data must be a base64 sdkws.SubUserOnlineStatus")), null, null);
        }
        return request.ReqIdentifier switch
        {
            // The SDK's first request after login; no message store here, so there are no conversations to report.
            GatewayFrames.GetConvMaxReadSeq => (GatewayFrames.Reply(request), null, null),
            // OpenIM answers a logout, then closes; the token itself stays valid.
            GatewayFrames.Logout => (GatewayFrames.Reply(request), CloseRequest.LoggedOut, null),
            var other => (GatewayFrames.Reply(request, OpenImError.Args($"reqIdentifier {other} is not supported by this server")), null, null),
        };
    }

    /// <summary>The request's data as a SubUserOnlineStatus; null or "" is the empty message, as in protobuf.</summary>
    private static SubscriptionRequest? ReadSubscription(GatewayRequest request)
    {
        if (request.Data is not { } data || data.ValueKind == JsonValueKind.Null)
        {
            return new SubscriptionRequest([], []);
        }
        if (data.ValueKind != JsonValueKind.String || !data.TryGetBytesFromBase64(out var bytes))
        {
            return null;
        }
        return StatusProto.ReadRequest(bytes);
    }
}
