using System.Diagnostics;
using System.Globalization;
using System.Net;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// A master of the Redis Cluster dies while two instances serve: once its replica has taken over they serve again
/// without a restart, and no token answered before is lost (each write waited for a replica, docs/decisions.md, D18).
/// </summary>
public sealed class RedisClusterFailoverTests
{
    private const string Secret = "openIM123";
    private const int Users = 24;

    [Fact]
    public async Task MasterKilled_ReplicaTakesOver_InstancesServeAgain_AndKeepEveryTokenAnswered()
    {
        // Arrange: tokens of users spread over every master, answered by both instances.
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await ScaleOutCluster.CreateAsync("cluster");
        var a = await cluster.StartInstanceAsync();
        var b = await cluster.StartInstanceAsync();
        var users = Enumerable.Range(0, Users).Select(i => $"fo{i}").ToList();
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = users.Select(u => new { userID = u, nickname = u }).ToArray() })).AssertOk();
        var answered = new List<string>();
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            answered.Add((await (i % 2 == 0 ? a : b).PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = user })).Token);
        }
        var victim = cluster.Redis.Db.IdentifyEndpoint(RedisKeys.TokenHash(users[0], 5))!;
        var node = cluster.Redis.Admin.GetServer(victim);
        var directory = (await node.ConfigGetAsync("dir")).Single().Value;
        var pid = int.Parse(ProcessId(await node.InfoRawAsync("server") ?? ""), CultureInfo.InvariantCulture);

        // Act: the master holding users[0]'s Web hash dies at once (no shutdown, no save).
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
            await process.WaitForExitAsync(ct);
        }
        try
        {
            // Assert: a login of users[0] (whose hash was on the dead master) succeeds again on both instances.
            foreach (var server in new[] { a, b })
            {
                await Eventually.UntilAsync(() => server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = users[0] }),
                    answer => answer.ErrCode == 0, TimeSpan.FromSeconds(60), "a login after the replica took over");
            }
            foreach (var token in answered)
            {
                (await a.PostAsync("/auth/parse_token", new { token })).AssertOk();
                (await b.PostAsync("/auth/parse_token", new { token })).AssertOk();
            }
        }
        finally
        {
            // The node comes back as a replica of the master that replaced it, so that later tests find three
            // masters with a replica each again.
            await RestartAsync(victim, directory, ct);
        }
    }

    private static string ProcessId(string info) =>
        info.Split('\n').Select(line => line.Trim()).Single(line => line.StartsWith("process_id:", StringComparison.Ordinal))["process_id:".Length..];

    private static async Task RestartAsync(EndPoint endpoint, string directory, CancellationToken ct)
    {
        var port = ((IPEndPoint)endpoint).Port.ToString(CultureInfo.InvariantCulture);
        using (var start = Process.Start(TestServers.RedisServerBinary,
        [
            "--bind", "127.0.0.1", "--port", port, "--daemonize", "yes", "--dir", directory,
            "--pidfile", Path.Combine(directory, "redis.pid"), "--logfile", Path.Combine(directory, "redis.log"),
            "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0",
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
        ]))
        {
            await start.WaitForExitAsync(ct);
        }
        await using var node = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { endpoint }, AllowAdmin = true, AbortOnConnectFail = false,
        });
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    var server = node.GetServer(endpoint);
                    return await server.InfoRawAsync("replication") + (string?)await server.ExecuteAsync("CLUSTER", "INFO");
                }
                catch (RedisException ex)
                {
                    return ex.Message;
                }
            },
            info => info.Contains("master_link_status:up", StringComparison.Ordinal) && info.Contains("cluster_state:ok", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the restarted node serving as a replica");
    }
}
