using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using OpenImAuth.Core.Presence;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// One accepted WebSocket: a reader loop that answers the client's frames, and a single writer that owns every send
/// (pongs, replies, the kick), so that frames never interleave. Anything may ask it to close, once; the writer then
/// sends what is queued, the close's last frame and the close frame, and the connection ends when the client answers
/// or after a grace period, whichever comes first.
/// </summary>
internal sealed partial class GatewayConnection : IDisposable
{
    // How long a closing connection may take to deliver its last frames and finish the close handshake.
    private const int IdleBufferBytes = 256;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    // Dropped: the connection already failed; no close frame can be sent.
    private static readonly CloseRequest Dropped = new(WebSocketCloseStatus.Empty, "");

    private readonly WebSocket _socket;
    private readonly GatewaySettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    // Bounded: a client that sends faster than it reads stalls its own reader instead of growing this queue.
    private readonly Channel<OutboundFrame> _outbox = Channel.CreateBounded<OutboundFrame>(
        new BoundedChannelOptions(16) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ITimer _readDeadline;
    private ITimer? _closeDeadline;
    private CloseRequest? _close;
    private bool _disposed;

    public GatewayConnection(WebSocket socket, PresenceEntry presence, GatewaySettings settings, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        Presence = presence;
        _settings = settings;
        _time = time;
        _logger = logger;
        _readDeadline = time.CreateTimer(static state => ((GatewayConnection)state!).Close(CloseRequest.ReadTimeout),
            this, settings.ReadTimeout, Timeout.InfiniteTimeSpan);
    }

    public PresenceEntry Presence { get; }

    /// <summary>True once a close was asked for; such a connection no longer counts as online.</summary>
    public bool IsClosing => Volatile.Read(ref _close) is not null;

    /// <summary>Queues a frame without waiting; false when the connection is closing (or its queue is full).</summary>
    public bool TrySend(OutboundFrame frame) => _outbox.Writer.TryWrite(frame);

    /// <summary>Asks the connection to close; the first request wins and later ones are ignored. Never blocks.</summary>
    public void Close(CloseRequest request)
    {
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
        }
        _outbox.Writer.TryComplete();
    }

    /// <summary>Runs until the connection is closed or dropped; never throws for a client that goes away.</summary>
    public async Task RunAsync(CancellationToken aborted)
    {
        var writing = WriteLoopAsync(aborted);
        try
        {
            await ReadLoopAsync(aborted);
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
            Close(Dropped);
            await writing;
        }
    }

    private async Task ReadLoopAsync(CancellationToken aborted)
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
                var result = await _socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, max) - length), aborted);
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
                var (reply, close) = GatewayRequests.Handle(result.MessageType, buffer.AsSpan(0, length), Presence);
                length = 0;
                if (buffer.Length > small)
                {
                    buffer = Resize(buffer, small, 0);
                }
                if (reply is { } frame && !await QueueAsync(frame, aborted))
                {
                    continue;
                }
                if (close is not null)
                {
                    Close(close);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Resize(byte[] buffer, int size, int keep)
    {
        var resized = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, keep).CopyTo(resized);
        ArrayPool<byte>.Shared.Return(buffer);
        return resized;
    }

    /// <summary>Waits for room in the outbox (back-pressure on the client); false if the connection started closing.</summary>
    private async ValueTask<bool> QueueAsync(OutboundFrame frame, CancellationToken aborted)
    {
        try
        {
            await _outbox.Writer.WriteAsync(frame, aborted);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    private async Task WriteLoopAsync(CancellationToken aborted)
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync(aborted))
            {
                await _socket.SendAsync(frame.Payload, frame.Type, endOfMessage: true, aborted);
            }
            // The outbox completes only through Close, so the request is set.
            var close = Volatile.Read(ref _close)!;
            if (close.LastFrame is { } last && _socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(last.Payload, last.Type, endOfMessage: true, aborted);
            }
            if (!ReferenceEquals(close, Dropped) && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(close.Status, close.Description, aborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _socket.Abort(); // nothing more can be sent, so nothing more is worth reading
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _readDeadline.Dispose();
            _closeDeadline?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway connection of {UserId} on platform {PlatformId} failed")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string userId, int platformId);
}
