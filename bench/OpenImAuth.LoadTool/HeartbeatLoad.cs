using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace OpenImAuth.LoadTool;

/// <summary>
/// What connections cost the gateway (docs/scaling.md): the server alone for <c>seconds</c>, then <c>count</c>
/// logged-in connections idle for as long (the server's upkeep of them), then each sending the JS SDK's <c>{"type":"ping"}</c> every
/// <c>intervalMs</c>, spread evenly, for as long; prints the server's CPU time and Redis' commands and CPU time
/// per connection-second when idle and per heartbeat beyond that, and the RSS per connection.
/// </summary>
internal static class HeartbeatLoad
{
    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("""{"type":"ping"}""");

    public static async Task<int> RunAsync(Uri api, Uri gateway, int serverPid, string redis, int first, int count, int seconds, int intervalMs)
    {
        var interval = TimeSpan.FromMilliseconds(intervalMs);
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("operationID", "heartbeat-load");
        var tokens = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            tokens[i] = (await GatewayLoad.PostAsync(http, "/auth/user_token", new { secret = "openIM123", platformID = 5, userID = $"u{first + i}" }, null, ct))
                .GetProperty("data").GetProperty("token").GetString()!);
        // The server's own background work (timers, collections) with no connection, taken off what follows.
        var bare = await MeasureAsync(serverPid, redis, () => Task.Delay(TimeSpan.FromSeconds(seconds)));
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

        // First the connections alone (the server's upkeep of them: timers, presence in Redis), then with heartbeats.
        var idle = await MeasureAsync(serverPid, redis, () => Task.Delay(TimeSpan.FromSeconds(seconds)));
        var rss = GatewayLoad.RssKb(serverPid); // settled: read after the idle window, as the gateway scenario waits too
        long pongs = 0;
        var busy = await MeasureAsync(serverPid, redis, async () =>
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var started = DateTime.UtcNow;
            await Task.WhenAll(sockets.Select((socket, i) => Task.Run(async () =>
            {
                var buffer = new byte[256];
                var next = started + interval * i / count; // spread over the interval, as real clients' heartbeats are
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
                        var frame = await socket.ReceiveAsync(buffer, stop.Token);
                        if (Encoding.UTF8.GetString(buffer, 0, frame.Count).Contains("pong", StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref pongs);
                        }
                        next += interval;
                    }
                }
                catch (OperationCanceledException)
                {
                }
            })));
        });
        var connectionSeconds = (double)count * seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connections={count} per_connection_kb={(rss - before) / (double)count:F1} bare_cpu_us_per_second={bare.CpuUs / seconds:F0} idle_cpu_us_per_connection_second={(idle.CpuUs - bare.CpuUs) / connectionSeconds:F2} " +
            $"idle_redis_commands_per_connection_second={(idle.RedisCommands - bare.RedisCommands) / connectionSeconds:F3} idle_redis_cpu_us_per_connection_second={(idle.RedisCpuUs - bare.RedisCpuUs) / connectionSeconds:F2} " +
            $"heartbeats={pongs} cpu_us_per_heartbeat={(busy.CpuUs - idle.CpuUs) / Math.Max(pongs, 1):F1} redis_commands_per_heartbeat={(busy.RedisCommands - idle.RedisCommands) / Math.Max(pongs, 1):F3}"));
        foreach (var socket in sockets)
        {
            socket.Abort();
        }
        return pongs > 0 ? 0 : 1;
    }

    private readonly record struct Costs(double CpuUs, double RedisCommands, double RedisCpuUs);

    private static async Task<Costs> MeasureAsync(int serverPid, string redis, Func<Task> load)
    {
        var (commands, redisCpu) = await RedisCountersAsync(redis);
        var cpu = CpuTicks(serverPid);
        await load();
        var (commandsAfter, redisCpuAfter) = await RedisCountersAsync(redis);
        return new Costs((CpuTicks(serverPid) - cpu) * 10_000.0, commandsAfter - commands, (redisCpuAfter - redisCpu) * 1e6); // USER_HZ = 100
    }

    /// <summary>Redis' total_commands_processed and its CPU seconds, by INFO over a plain socket (host:port).</summary>
    private static async Task<(double Commands, double CpuSeconds)> RedisCountersAsync(string redis)
    {
        var (host, port) = (redis[..redis.LastIndexOf(':')], int.Parse(redis[(redis.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(host, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("INFO\r\nQUIT\r\n"));
        var text = await new StreamReader(stream).ReadToEndAsync();
        double Field(string name) => text.Split("\r\n").Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture)).Single();
        return (Field("total_commands_processed"), Field("used_cpu_user") + Field("used_cpu_sys"));
    }

    private static long CpuTicks(int pid)
    {
        // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name, which may hold spaces.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
