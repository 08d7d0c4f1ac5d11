using System.Net.WebSockets;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// The sending half of a connection: the outbox and its single sender, which runs only while frames are queued or a
/// close is due, so that an idle connection holds no pending writer.
/// </summary>
internal sealed partial class GatewayConnection
{
    private enum QueueResult { Queued, Full, Closing }

    /// <summary>Queues a frame and starts the sender if none runs; the waiter to await when the outbox is full.</summary>
    private QueueResult TryQueue(OutboundFrame frame, out Task? room)
    {
        room = null;
        lock (_gate)
        {
            if (_close is not null)
            {
                return QueueResult.Closing;
            }
            if (_outbox.Count == OutboxCapacity)
            {
                _roomInOutbox ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room = _roomInOutbox.Task;
                return QueueResult.Full;
            }
            _outbox.Enqueue(frame);
            if (!ClaimSender())
            {
                return QueueResult.Queued;
            }
        }
        _ = SendAsync();
        return QueueResult.Queued;
    }

    /// <summary>Waits for room in the outbox (back-pressure on the client); false if the connection started closing.</summary>
    private async ValueTask<bool> QueueAsync(OutboundFrame frame, CancellationToken aborted)
    {
        while (true)
        {
            switch (TryQueue(frame, out var room))
            {
                case QueueResult.Queued:
                    return true;
                case QueueResult.Closing:
                    return false;
                default:
                    await room!.WaitAsync(aborted);
                    break;
            }
        }
    }

    /// <summary>Under _gate: true if the caller is now the sender and must start it.</summary>
    private bool ClaimSender()
    {
        if (_senderRunning)
        {
            return false;
        }
        _senderRunning = true;
        return true;
    }

    /// <summary>Under _gate: the reader waiting for room, if any, to release outside the lock.</summary>
    private TaskCompletionSource? TakeRoomWaiter()
    {
        var waiting = _roomInOutbox;
        _roomInOutbox = null;
        return waiting;
    }

    /// <summary>
    /// The one sender: sends queued frames until the outbox is empty, then stops (a later frame starts it again). Once a
    /// close was asked for it also sends the close's last frame and the close frame, and never stops before that.
    /// </summary>
    private async Task SendAsync()
    {
        try
        {
            while (true)
            {
                OutboundFrame frame;
                bool dequeued;
                CloseRequest? close;
                TaskCompletionSource? waiting;
                lock (_gate)
                {
                    close = _close;
                    dequeued = _outbox.TryDequeue(out frame);
                    if (!dequeued && close is null)
                    {
                        _senderRunning = false;
                        return;
                    }
                    waiting = TakeRoomWaiter();
                }
                waiting?.TrySetResult();
                if (dequeued)
                {
                    await _socket.SendAsync(frame.Payload, frame.Type, endOfMessage: true, _aborted);
                    continue;
                }
                await SendCloseAsync(close!);
                _senderDone.TrySetResult();
                return;
            }
        }
        catch (Exception ex)
        {
            if (ex is not (WebSocketException or OperationCanceledException or ObjectDisposedException))
            {
                LogUnexpected(_logger, ex, Presence.UserId, Presence.PlatformId);
            }
            // Nothing more can be sent, so nothing more is worth reading. The sender stays claimed, so nothing is
            // sent on this connection again, and the close releases a reader that waits for room in the outbox.
            Close(Dropped);
            _socket.Abort();
            _senderDone.TrySetResult();
        }
    }

    private async Task SendCloseAsync(CloseRequest close)
    {
        if (close.LastFrame is { } last && _socket.State == WebSocketState.Open)
        {
            await _socket.SendAsync(last.Payload, last.Type, endOfMessage: true, _aborted);
        }
        if (!ReferenceEquals(close, Dropped) && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(close.Status, close.Description, _aborted);
        }
    }
}
