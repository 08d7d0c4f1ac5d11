using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace OpenImAuth.LoadTool;

/// <summary>
/// What heartbeats cost the gateway (docs/scaling.md): <c>count</c> logged-in connections each send the JS SDK's
/// <c>{"type":"ping"}</c> every <see cref="Interval"/>, spread evenly, for <c>seconds</c>; prints the server's CPU time
/// per heartbeat and per connection-second, and the RSS per connection.
/// </summary>
internal static class HeartbeatLoad
{
    /// <summary>The OpenIM JS SDK's heartbeat period.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("""{"type":"ping"}""");

    public static async Task<int> RunAsync(Uri api, Uri gateway, int serverPid, int first, int count, int seconds)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("operationID", "heartbeat-load");
        var tokens = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            tokens[i] = (await GatewayLoad.PostAsync(http, "/auth/user_token", new { secret = "openIM123", platformID = 5, userID = $"u{first + i}" }, null, ct))
                .GetProperty("data").GetProperty("token").GetString()!);
        var before = GatewayLoad.RssKb(serverPid);
        var sockets = new ClientWebSocket[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // only the SDK's own text heartbeats
            await socket.ConnectAsync(new Uri(gateway, $"/?sendID=u{first + i}&token={tokens[i]}&platformID=5&operationID=hb{i}&isBackground=false&isMsgResp=true&sdkType=js"), ct);
            await socket.ReceiveAsync(new byte[256], ct); // the login answer
            sockets[i] = socket;
        });
        var rss = GatewayLoad.RssKb(serverPid);

        long pongs = 0;
        long pings = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var cpuBefore = CpuTicks(serverPid);
        var started = DateTime.UtcNow;
        var loops = sockets.Select((socket, i) => Task.Run(async () =>
        {
            var buffer = new byte[256];
            // Spread over the interval, as real clients' heartbeats are.
            var next = started + Interval * i / count;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var wait = next - DateTime.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, stop.Token);
                    }
                    await socket.SendAsync(Ping, WebSocketMessageType.Text, true, stop.Token);
                    Interlocked.Increment(ref pings);
                    var frame = await socket.ReceiveAsync(buffer, stop.Token);
                    if (Encoding.UTF8.GetString(buffer, 0, frame.Count).Contains("pong", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref pongs);
                    }
                    next += Interval;
                }
            }
            catch (OperationCanceledException)
            {
            }
        })).ToArray();
        await Task.WhenAll(loops);
        var elapsed = (DateTime.UtcNow - started).TotalSeconds;
        var cpuUs = (CpuTicks(serverPid) - cpuBefore) * 1_000_000.0 / 100; // USER_HZ is 100 on Linux
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connections={count} seconds={elapsed:F0} pings={pings} pongs={pongs} cpu_us_per_heartbeat={cpuUs / Math.Max(pongs, 1):F1} " +
            $"cpu_us_per_connection_second={cpuUs / (count * elapsed):F2} per_connection_kb={(rss - before) / (double)count:F1}"));
        foreach (var socket in sockets)
        {
            socket.Abort();
        }
        return pongs > 0 ? 0 : 1;
    }

    private static long CpuTicks(int pid)
    {
        // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name, which may hold spaces.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
