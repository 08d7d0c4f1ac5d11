using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OpenImAuth.LoadTool;

/// <summary>
/// Idle gateway connections and kick latency: opens one connection per user (u{first}…), measures the server's RSS
/// before and after, then revokes a sample of users' tokens one at a time (force_logout, revoke_tokens and revoke_session in turn) and
/// times each kick frame's arrival.
/// </summary>
internal static class GatewayLoad
{
    private static readonly string[] Revocations = ["force_logout", "revoke_tokens", "revoke_session"];

    public static async Task<int> RunAsync(Uri api, Uri gateway, int serverPid, int first, int count, int kicks)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("operationID", "gateway-load");
        var tokens = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            tokens[i] = (await PostAsync(http, "/auth/user_token", new { secret = "openIM123", platformID = 5, userID = $"u{first + i}" }, null, ct))
                .GetProperty("data").GetProperty("token").GetString()!);
        var admin = (await PostAsync(http, "/auth/get_admin_token", new { secret = "openIM123", userID = "imAdmin" }, null, CancellationToken.None))
            .GetProperty("data").GetProperty("token").GetString()!;

        var before = RssKb(serverPid);
        var clients = new Client[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            clients[i] = await Client.ConnectAsync(new Uri(gateway, $"/?sendID=u{first + i}&token={tokens[i]}&platformID=5&operationID=load{i}&isBackground=false&isMsgResp=true&sdkType=js")));
        // Let the server settle (GC, pools) before reading its memory; a fixed pause, as this is a measurement, not a test.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = RssKb(serverPid);
        var open = clients.Count(c => c.Socket.State == WebSocketState.Open);

        // Each way of revoking a token, on its own sample of users, one kick at a time: force_logout (OpenIM's),
        // revoke_tokens (a mark for the user) and revoke_session (the token's session ID).
        var sample = Enumerable.Range(0, count).OrderBy(_ => Random.Shared.Next()).Take(kicks * Revocations.Length).ToArray();
        var latencies = Revocations.ToDictionary(r => r, _ => new List<double>());
        for (var k = 0; k < sample.Length; k++)
        {
            var i = sample[k];
            var revocation = Revocations[k % Revocations.Length];
            var userId = $"u{first + i}";
            object body = revocation switch
            {
                "force_logout" => new { platformID = 5, userID = userId },
                "revoke_tokens" => new { userID = userId },
                _ => new { userID = userId, sessionID = SessionIdOf(tokens[i]) },
            };
            var watch = Stopwatch.StartNew();
            await PostAsync(http, "/auth/" + revocation, body, admin, CancellationToken.None);
            await clients[i].Kicked.WaitAsync(TimeSpan.FromSeconds(30));
            latencies[revocation].Add(watch.Elapsed.TotalMilliseconds);
        }
        var kickTimes = string.Join(' ', Revocations.Select(r =>
        {
            var sorted = latencies[r].Order().ToList();
            var name = r == "force_logout" ? "kick" : r;
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{name}_p50_ms={Percentile(sorted, 0.50):F2} {name}_p99_ms={Percentile(sorted, 0.99):F2}");
        }));
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"connections={open} rss_before_mb={before / 1024.0:F0} rss_after_mb={after / 1024.0:F0} per_connection_kb={(after - before) / (double)Math.Max(open, 1):F1} " +
            $"{kickTimes} kicks={sample.Length}"));
        foreach (var client in clients)
        {
            client.Socket.Abort();
        }
        return 0;
    }

    /// <summary>Idle connections only (the bare-Kestrel floor): RSS before and after.</summary>
    public static async Task<int> IdleAsync(Uri ws, int serverPid, int count)
    {
        var before = RssKb(serverPid);
        var clients = new Client[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            clients[i] = await Client.ConnectAsync(ws));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = RssKb(serverPid);
        var open = clients.Count(c => c.Socket.State == WebSocketState.Open);
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"connections={open} rss_before_mb={before / 1024.0:F0} rss_after_mb={after / 1024.0:F0} per_connection_kb={(after - before) / (double)Math.Max(open, 1):F1}"));
        foreach (var client in clients)
        {
            client.Socket.Abort();
        }
        return 0;
    }

    /// <summary>The session ID the server gives a token: 128 bits of its SHA-256, base64url.</summary>
    private static string SessionIdOf(string token) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)).AsSpan(0, 16));

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    internal static long RssKb(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)).Single();

    internal static async Task<JsonElement> PostAsync(HttpClient http, string path, object body, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Add("token", token);
        }
        using var response = await http.SendAsync(request, ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return answer.GetProperty("errCode").GetInt32() == 0 ? answer : throw new InvalidOperationException($"{path}: {answer}");
    }

    private sealed class Client
    {
        private readonly TaskCompletionSource _kicked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Client(ClientWebSocket socket) => Socket = socket;

        public ClientWebSocket Socket { get; }

        public Task Kicked => _kicked.Task;

        public static async Task<Client> ConnectAsync(Uri url)
        {
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // idle means idle: no WebSocket pings either
            await socket.ConnectAsync(url, CancellationToken.None);
            var client = new Client(socket);
            var first = new byte[256];
            var hello = await socket.ReceiveAsync(first, CancellationToken.None);
            if (!Encoding.UTF8.GetString(first, 0, hello.Count).Contains("\"errCode\":0", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("login refused: " + Encoding.UTF8.GetString(first, 0, hello.Count));
            }
            _ = client.WatchAsync();
            return client;
        }

        private async Task WatchAsync()
        {
            var buffer = new byte[512];
            try
            {
                while (true)
                {
                    var frame = await Socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (frame.MessageType == WebSocketMessageType.Close || Encoding.UTF8.GetString(buffer, 0, frame.Count).Contains("2002", StringComparison.Ordinal))
                    {
                        _kicked.TrySetResult();
                        return;
                    }
                }
            }
            catch (WebSocketException)
            {
                _kicked.TrySetResult();
            }
        }
    }
}
