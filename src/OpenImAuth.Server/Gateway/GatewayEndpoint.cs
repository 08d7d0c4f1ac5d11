using System.Net;
using System.Net.WebSockets;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// The connect handshake of OpenIM's msg gateway (docs/decisions.md, W9; OpenIM main's behaviour): the connection limit and the
/// query are answered over HTTP (status 200, OpenIM's envelope); token problems go over the WebSocket when the client
/// asked for <c>isMsgResp</c> (the first TEXT frame carries the error, then a close) and over HTTP otherwise.
/// </summary>
internal static partial class GatewayEndpoint
{
    /// <summary>
    /// Runs the handshake: the open connection, for the caller to run and then end with <see cref="EndAsync"/>, or null
    /// when the request was answered over HTTP. Nothing of the request is kept once it returns, which matters for
    /// memory per idle connection.
    /// </summary>
    public static async Task<GatewayConnection?> OpenAsync(GatewayHttpRequest request, Stream stream, IPEndPoint? remote, GatewayServices gateway)
    {
        if (!gateway.Settings.IsGatewayPath(request.Path))
        {
            await GatewayHttp.AnswerAsync(stream, request, OpenImError.Args($"no route {request.Method} {request.Path}"),
                StatusCodes.Status404NotFound, CancellationToken.None);
            return null;
        }
        if (!gateway.Registry.TryReserve())
        {
            await GatewayHttp.AnswerAsync(stream, request, new OpenImError(ErrorCodes.ConnOverMaxNumLimit,
                $"the gateway already holds its limit of {gateway.Settings.MaxConnections} connections"), StatusCodes.Status200OK,
                CancellationToken.None);
            return null;
        }
        GatewayConnection? connection = null;
        try
        {
            connection = await ConnectAsync(request, stream, remote, gateway);
            return connection;
        }
        finally
        {
            if (connection is null)
            {
                gateway.Registry.ReleaseSlot(); // answered over HTTP, or the client went away during the handshake
            }
        }
    }

    /// <summary>After the connection ran: unregisters it, tells presence, frees its slot and releases it.</summary>
    public static async Task EndAsync(GatewayConnection connection, GatewayServices gateway)
    {
        try
        {
            if (!connection.IsRegistered)
            {
                return; // refused over the WebSocket: it was never online
            }
            gateway.Registry.Remove(connection);
            gateway.Watchers.Remove(connection);
            var entry = connection.Presence;
            if (connection.IsAnnounced)
            {
                try
                {
                    await gateway.Presence.DisconnectedAsync(entry, CancellationToken.None);
                    _ = gateway.Watchers.AnnounceAsync(entry, connected: false);
                }
                catch (Exception ex)
                {
                    LogDisconnectFailed(gateway.Logger, ex, entry.UserId, entry.PlatformId); // presence may show it a while
                }
            }
            LogDisconnected(gateway.Logger, entry.UserId, entry.PlatformId, entry.ConnId, connection.CloseStatus);
        }
        finally
        {
            gateway.Registry.ReleaseSlot();
            connection.Dispose();
        }
    }

    private static async Task<GatewayConnection?> ConnectAsync(GatewayHttpRequest request, Stream stream, IPEndPoint? remote, GatewayServices gateway)
    {
        // Nothing cancels a connection's work from outside: shutdown closes it with a close frame (GatewayLifetime),
        // and a client that goes away fails its reads and writes.
        var aborted = CancellationToken.None;
        var (args, argsError) = ConnectArgs.Parse(request.Query);
        if (args is null)
        {
            await GatewayHttp.AnswerAsync(stream, request, argsError!, StatusCodes.Status200OK, aborted);
            return null;
        }
        OpenImError? tokenError;
        try
        {
            tokenError = await CheckTokenAsync(gateway.Tokens, args, aborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The token store is down: the client gets OpenIM's envelope (errCode 500), like the REST routes.
            LogConnectFailed(gateway.Logger, ex, args.SendId, args.PlatformId);
            tokenError = Http.StoreFailures.Describe(ex, gateway.Server) ?? OpenImError.Internal("store unavailable");
        }
        if (tokenError is not null && !(args.IsMsgResp && request.IsWebSocket))
        {
            await GatewayHttp.AnswerAsync(stream, request, tokenError, StatusCodes.Status200OK, aborted);
            return null;
        }
        if (!request.IsWebSocket)
        {
            await GatewayHttp.AnswerAsync(stream, request, OpenImError.Args("this port serves WebSocket connections only"),
                StatusCodes.Status400BadRequest, aborted);
            return null;
        }

        var socket = await GatewayHttp.AcceptWebSocketAsync(stream, request, aborted);
        var entry = new PresenceEntry(args.SendId, args.PlatformId, ConnectionId(remote, gateway.Time), args.IsBackground, args.Token);
        var connection = new GatewayConnection(socket, entry, gateway.Settings, gateway.Time, gateway.Logger, aborted)
        {
            Watchers = gateway.Watchers,
        };
        if (tokenError is not null)
        {
            connection.Close(Refusal(tokenError));
            return connection;
        }

        gateway.Registry.Add(connection);
        connection.IsRegistered = true;
        try
        {
            // A revocation published between the first check and Add found no connection to kick; the state it
            // made durable before publishing is visible now, so this second check closes that window.
            if (await CheckTokenAsync(gateway.Tokens, args, aborted) is { } lateError)
            {
                connection.Close(Refusal(lateError));
            }
            else
            {
                await gateway.Presence.ConnectedAsync(entry, aborted);
                connection.IsAnnounced = true;
                gateway.Activity.Seen(entry.UserId, entry.Token, remote?.Address is { } address ? ClientAddressText(address) : "unknown");
                // The outbox is empty and nothing reads yet, so this is the first frame the client gets.
                if (args.IsMsgResp)
                {
                    connection.TrySend(GatewayFrames.LoggedIn);
                }
                // Off the connect path: subscribers hear of it once presence has been read again.
                _ = gateway.Watchers.AnnounceAsync(entry, connected: true);
                LogConnected(gateway.Logger, entry.UserId, entry.PlatformId, entry.ConnId);
            }
        }
        catch (Exception ex)
        {
            // Whatever failed, the registered connection goes back to the caller, whose EndAsync unregisters it.
            LogConnectFailed(gateway.Logger, ex, entry.UserId, entry.PlatformId);
            connection.Close(Refusal(OpenImError.Internal("the gateway could not register the connection")));
        }
        return connection;
    }

    /// <summary>The token must be valid and stored as Normal, and must be the connecting user's on that platform.</summary>
    private static async ValueTask<OpenImError?> CheckTokenAsync(TokenService tokens, ConnectArgs args, CancellationToken cancellationToken)
    {
        var check = await tokens.CheckAsync(args.Token, cancellationToken);
        if (check.Claims is not { } claims)
        {
            return check.Error;
        }
        if (claims.UserId != args.SendId || claims.PlatformId != args.PlatformId)
        {
            return new OpenImError(ErrorCodes.TokenInvalidError,
                $"token is user {claims.UserId} on platform {claims.PlatformId}, not sendID {args.SendId} on platformID {args.PlatformId}");
        }
        return null;
    }

    /// <summary>The handshake error as the first (TEXT) frame, then a close frame.</summary>
    private static CloseRequest Refusal(OpenImError error) =>
        new(WebSocketCloseStatus.PolicyViolation, $"{error.Code} {error.Message}", GatewayFrames.HandshakeFailed(error));

    private static string ClientAddressText(System.Net.IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    /// <summary>OpenIM's connID: the client's address, then the connect time in Unix milliseconds.</summary>
    private static string ConnectionId(IPEndPoint? remote, TimeProvider time) =>
        $"{remote?.Address}:{remote?.Port}_{time.GetUtcNow().ToUnixTimeMilliseconds()}";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gateway: {UserId} connected on platform {PlatformId} ({ConnId})")]
    private static partial void LogConnected(ILogger logger, string userId, int platformId, string connId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gateway: {UserId} on platform {PlatformId} disconnected ({ConnId}, close status {Status})")]
    private static partial void LogDisconnected(ILogger logger, string userId, int platformId, string connId, WebSocketCloseStatus? status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway: could not register {UserId} on platform {PlatformId}")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string userId, int platformId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: could not record that {UserId} on platform {PlatformId} disconnected")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception exception, string userId, int platformId);
}
