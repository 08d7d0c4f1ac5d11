using System.Net;
using System.Net.Sockets;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of a real server, for a server that hangs without stopping the shared one: while
/// frozen, connections are still accepted and held open (as the kernel's backlog takes them for a stopped process)
/// and what the client sends is taken in, but nothing is passed on either way and no connection is closed until
/// <see cref="Thaw"/>. Thawed, every held byte goes on in order, as after SIGCONT.
/// </summary>
public sealed class FreezableRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private TaskCompletionSource _thawed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FreezableRelay(string host, int port)
    {
        _host = host;
        _port = port;
        _thawed.SetResult();
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Starts relaying loopback connections to <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static FreezableRelay Start(string host, int port) => new(host, port);

    public void Freeze()
    {
        lock (_sockets)
        {
            if (_thawed.Task.IsCompleted)
            {
                _thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Thaw()
    {
        lock (_sockets)
        {
            _thawed.TrySetResult();
        }
    }

    private Task WhileFrozenAsync()
    {
        lock (_sockets)
        {
            return _thawed.Task.WaitAsync(_stop.Token);
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                Track(client);
                _ = RelayAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // disposed
        }
    }

    private async Task RelayAsync(Socket client)
    {
        try
        {
            await WhileFrozenAsync(); // a hung server answers no new connection either
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            Track(server);
            await server.ConnectAsync(_host, _port, _stop.Token);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // one side went away, or the relay is disposed
        }
        finally
        {
            client.Dispose(); // the other side is closed by its own pump's end, or by DisposeAsync
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                await WhileFrozenAsync(); // even a close waits: a stopped process notices nothing
                if (read == 0)
                {
                    break;
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // one side went away, or the relay is disposed
        }
        finally
        {
            to.Dispose();
        }
    }

    private void Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_sockets)
        {
            _sockets.ForEach(socket => socket.Dispose());
        }
        _stop.Dispose();
    }
}
