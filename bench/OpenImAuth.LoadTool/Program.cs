using OpenImAuth.LoadTool;

// Helpers for bench/load.sh that wrk cannot do: bulk seeding, and (with the gateway) idle WebSocket connections.
//   seed-users   <api url> <first> <count>          registers users u<first> .. u<first+count-1>
//   issue-tokens <api url> <first> <count> <platform> issues one token each; prints the last one
//   gateway      <api url> <ws url> <server pid> <first> <count> <kicks>  idle connections, RSS, kick latency
//   heartbeats   <api url> <ws url> <server pid> <redis host:port> <first> <count> <seconds> <interval ms>  CPU per connection and heartbeat
return args switch
{
    ["seed-users", var url, var first, var count] => await Seeding.SeedUsersAsync(new Uri(url), int.Parse(first), int.Parse(count)),
    ["issue-tokens", var url, var first, var count, var platform] =>
        await Seeding.IssueTokensAsync(new Uri(url), int.Parse(first), int.Parse(count), int.Parse(platform)),
    ["gateway", var url, var ws, var pid, var first, var count, var kicks] =>
        await GatewayLoad.RunAsync(new Uri(url), new Uri(ws), int.Parse(pid), int.Parse(first), int.Parse(count), int.Parse(kicks)),
    ["heartbeats", var url, var ws, var pid, var redis, var first, var count, var seconds, var intervalMs] =>
        await HeartbeatLoad.RunAsync(new Uri(url), new Uri(ws), int.Parse(pid), redis, int.Parse(first), int.Parse(count), int.Parse(seconds), int.Parse(intervalMs)),
    ["idle", var ws, var pid, var count] => await GatewayLoad.IdleAsync(new Uri(ws), int.Parse(pid), int.Parse(count)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: seed-users <url> <first> <count> | issue-tokens <url> <first> <count> <platform>");
    return 2;
}
