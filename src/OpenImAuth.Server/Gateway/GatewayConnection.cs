using System.Buffers;
using System.Net.WebSockets;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// One accepted WebSocket: a reader loop that answers the client's frames, and a single sender at a time that owns
/// every send (pongs, replies, the kick), so that frames never interleave. The sender runs only while there is
/// something to send, so an idle connection holds no pending writer (memory per idle connection is what the gateway
/// scales by). Anything may ask it to close, once; the sender then sends what is queued, the close's last frame and
/// the close frame, and the connection ends when the client answers or after a grace period, whichever comes first.
/// </summary>
internal sealed partial class GatewayConnection : IDisposable
{
    // An idle connection holds only a small read buffer; see RunAsync.
    private const int IdleBufferBytes = 256;

    // Bounded: a client that sends faster than it reads stalls its own reader instead of growing the outbox.
    private const int OutboxCapacity = 16;

    // How long a closing connection may take to deliver its last frames and finish the close handshake.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    // Dropped: the connection already failed; no close frame can be sent.
    private static readonly CloseRequest Dropped = new(WebSocketCloseStatus.Empty, "");

    private readonly WebSocket _socket;
    private readonly GatewaySettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _aborted;
    private readonly Lock _gate = new();
    private readonly ITimer _readDeadline;

    // Completed by the sender once the close handshake's frames went out (or could not).
    private readonly TaskCompletionSource _senderDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guarded by _gate.
    private readonly Queue<OutboundFrame> _outbox = new();
    private bool _senderRunning;
    private TaskCompletionSource? _roomInOutbox;
    private ITimer? _closeDeadline;
    private CloseRequest? _close;
    private bool _disposed;

    public GatewayConnection(
        WebSocket socket, PresenceEntry presence, GatewaySettings settings, TimeProvider time, ILogger logger, CancellationToken aborted)
    {
        _socket = socket;
        Presence = presence;
        _settings = settings;
        _time = time;
        _logger = logger;
        _aborted = aborted;
        _readDeadline = time.CreateTimer(static state => ((GatewayConnection)state!).Close(CloseRequest.ReadTimeout),
            this, settings.ReadTimeout, Timeout.InfiniteTimeSpan);
    }

    public PresenceEntry Presence { get; }

    /// <summary>Where this connection's 2005 subscriptions are kept; set before it runs.</summary>
    public StatusWatchers? Watchers { get; set; }

    /// <summary>In the connection registry (and so possibly online); false for a connection refused over the WebSocket.</summary>
    public bool IsRegistered { get; set; }

    /// <summary>Announced to the presence directory, which must then hear that it disconnected.</summary>
    public bool IsAnnounced { get; set; }

    /// <summary>The close status of the handshake, once there was one.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>True once a close was asked for; such a connection no longer counts as online.</summary>
    public bool IsClosing => Volatile.Read(ref _close) is not null;

    /// <summary>Queues a frame without waiting; false when the connection is closing (or its outbox is full).</summary>
    public bool TrySend(OutboundFrame frame) => TryQueue(frame, out _) == QueueResult.Queued;

    /// <summary>Asks the connection to close; the first request wins and later ones are ignored. Never blocks.</summary>
    public void Close(CloseRequest request)
    {
        TaskCompletionSource? waiting;
        bool startSender;
        lock (_gate)
        {
            if (_close is not null || _disposed)
            {
                return;
            }
            Volatile.Write(ref _close, request);
            _readDeadline.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // A client that reads nothing, or never answers the close frame, must not keep the connection.
            _closeDeadline = _time.CreateTimer(static state => ((WebSocket)state!).Abort(), _socket, CloseGrace, Timeout.InfiniteTimeSpan);
            waiting = TakeRoomWaiter();
            startSender = ClaimSender();
        }
        waiting?.TrySetResult(); // a reader waiting for room sees the close and stops queueing
        if (startSender)
        {
            _ = SendAsync();
        }
    }

    /// <summary>
    /// Reads the client's frames until the connection is closed or dropped, then waits for the sender to finish; never
    /// throws for a client that goes away. One method, not a loop inside a wrapper: each pending async frame costs
    /// memory on every idle connection.
    /// </summary>
    public async Task RunAsync()
    {
        // An idle connection holds only a small buffer (pings and most requests fit it); it grows up to
        // websocketMaxMsgLen for a large frame and shrinks back after it, which keeps idle connections cheap.
        var max = _settings.MaxMessageBytes;
        var small = Math.Min(IdleBufferBytes, max);
        var buffer = ArrayPool<byte>.Shared.Rent(small);
        try
        {
            var length = 0;
            while (true)
            {
                if (IsClosing)
                {
                    length = 0; // closing: frames are read only to reach the client's close frame
                }
                var result = await _socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, max) - length), _aborted);
                _readDeadline.Change(_settings.ReadTimeout, Timeout.InfiniteTimeSpan);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Close(CloseRequest.Echo(_socket.CloseStatus));
                    return;
                }
                if (IsClosing)
                {
                    continue;
                }
                length += result.Count;
                if (!result.EndOfMessage)
                {
                    if (length == max)
                    {
                        Close(CloseRequest.TooBig(max));
                    }
                    else if (length == buffer.Length)
                    {
                        buffer = Resize(buffer, Math.Min(max, buffer.Length * 4), length);
                    }
                    continue;
                }
                var (reply, close, subscription) = GatewayRequests.Handle(result.MessageType, buffer.AsSpan(0, length), Presence);
                length = 0;
                if (subscription is not null)
                {
                    reply = await SubscribeAsync(subscription);
                }
                if (buffer.Length > small)
                {
                    buffer = Resize(buffer, small, 0);
                }
                if (reply is { } frame && !await QueueAsync(frame, _aborted))
                {
                    continue;
                }
                if (close is not null)
                {
                    Close(close);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client dropped the connection, or the server aborted it; there is nobody left to tell.
        }
        catch (Exception ex)
        {
            LogUnexpected(_logger, ex, Presence.UserId, Presence.PlatformId);
            Close(CloseRequest.ServerError);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Close(Dropped);
            await _senderDone.Task;
        }
    }

    /// <summary>Applies a 2005 request and answers it (an error, if it could not be).</summary>
    private async Task<OutboundFrame> SubscribeAsync(GatewayRequests.PendingSubscription pending)
    {
        if (Watchers is null)
        {
            return GatewayFrames.Reply(pending.Request, OpenImError.Args("this connection does not take subscriptions"));
        }
        try
        {
            var (tips, error) = await Watchers.SubscribeAsync(this, pending.Subscription);
            return GatewayFrames.Reply(pending.Request, error, tips);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The presence directory is down: the subscription stands, but its current status cannot be read.
            LogSubscribeFailed(_logger, ex, Presence.UserId);
            return GatewayFrames.Reply(pending.Request, OpenImError.Internal("the online status could not be read"));
        }
    }

    private static byte[] Resize(byte[] buffer, int size, int keep)
    {
        var resized = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, keep).CopyTo(resized);
        ArrayPool<byte>.Shared.Return(buffer);
        return resized;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _readDeadline.Dispose();
            _closeDeadline?.Dispose();
        }
        _socket.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: the online status for a subscription of {UserId} could not be read")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway connection of {UserId} on platform {PlatformId} failed")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string userId, int platformId);
}
