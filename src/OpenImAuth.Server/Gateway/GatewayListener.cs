using System.Net;
using System.Net.Sockets;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Hosting;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// Listens on the gateway ports (longConnSvr.openImWsPort) with plain sockets and hands each accepted connection to
/// <see cref="GatewayEndpoint"/>; the API ports stay Kestrel's. See <see cref="GatewayHttp"/> for why.
/// </summary>
internal sealed partial class GatewayListener(ServerSettings settings, GatewayServices gateway, ILogger<GatewayListener> logger)
    : IHostedService, IDisposable
{
    private const int Backlog = 512;
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _accepting = [];
    private readonly CancellationTokenSource _stopping = new();

    // Connections being served, so that stopping can wait for them as Kestrel waits for requests in flight.
    private readonly TaskCompletionSource _noneServed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _served;
    private int _disposed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var port in settings.Gateway.Ports)
        {
            var listener = ListenSocket.Bind(settings.ListenIp, port);
            try
            {
                listener.Listen(Backlog);
            }
            catch
            {
                listener.Dispose();
                throw;
            }
            _listeners.Add(listener);
            LogListening(logger, settings.ListenIp, port);
            _accepting.Add(AcceptAsync(listener));
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Registered connections were told to close when stopping began (GatewayLifetime); handshakes under way end
        // now, and answers already sent linger briefly. Wait for all of them, within the host's shutdown timeout.
        try
        {
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            return; // the container went first (a test host may dispose before it stops): Dispose closed everything
        }
        _listeners.ForEach(listener => listener.Dispose());
        await Task.WhenAll(_accepting);
        if (Volatile.Read(ref _served) == 0)
        {
            _noneServed.TrySetResult();
        }
        try
        {
            await _noneServed.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out; whatever is left is reset when the process exits.
        }
    }

    // Connections still in their handshake may read the token until the container is disposed.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel(); // never stopped: stop accepting now
            _listeners.ForEach(listener => listener.Dispose());
        }
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of descriptors, or a connection reset before it was accepted: keep accepting, without spinning.
                LogAcceptFailed(logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                continue;
            }
            Interlocked.Increment(ref _served);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        // Off the accept loop at once: the handshake may well complete without waiting (head already buffered, token
        // checked in memory), and the next client must not wait for it.
        await Task.Yield();
        var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            client.NoDelay = true; // frames are small and latency matters (kicks); Kestrel sets it too
            if (await OpenAsync(stream, client) is not { } connection)
            {
                await LingerAsync(client);
                return;
            }
            try
            {
                await connection.RunAsync();
            }
            finally
            {
                await GatewayEndpoint.EndAsync(connection, gateway);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away.
        }
        catch (Exception ex)
        {
            LogConnectionFailed(logger, ex);
        }
        finally
        {
            await stream.DisposeAsync();
            if (Interlocked.Decrement(ref _served) == 0 && _stopping.IsCancellationRequested)
            {
                _noneServed.TrySetResult();
            }
        }
    }

    // A frame of its own, so that the request head and its query are garbage once the connection is open.
    private async Task<GatewayConnection?> OpenAsync(NetworkStream stream, Socket client) =>
        await GatewayHttp.ReadRequestAsync(stream, _stopping.Token) is { } request
            ? await GatewayEndpoint.OpenAsync(request, stream, client.RemoteEndPoint as IPEndPoint, gateway)
            : null;

    /// <summary>
    /// After an answer that ends the connection: stop sending and read what the client still sends (a request body,
    /// say) for a moment. Closing with unread data would reset the connection, and the client could lose the answer.
    /// </summary>
    private static async Task LingerAsync(Socket client)
    {
        if (!client.Connected)
        {
            return;
        }
        client.Shutdown(SocketShutdown.Send);
        using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var drain = new byte[1024];
        var drained = 0;
        while (drained < 64 * 1024 && await client.ReceiveAsync(drain, SocketFlags.None, linger.Token) is var read and > 0)
        {
            drained += read;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway listening on: ws://{Address}:{Port}")]
    private static partial void LogListening(ILogger logger, IPAddress address, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: accepting a connection failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway: serving a connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);
}
