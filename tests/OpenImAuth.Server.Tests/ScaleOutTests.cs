using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// Two real instances on one Redis (a single server, or the Redis Cluster) and one PostgreSQL: nothing one knows is
/// hidden from the other.
/// </summary>
public sealed class ScaleOutTests
{
    private const string Secret = "openIM123";

    [Theory]
    [MemberData(nameof(ScaleOutCluster.RedisKinds), MemberType = typeof(ScaleOutCluster))]
    public async Task Instances_ShareUsersAndTokens_AndRevocationsAtOnce(string redis)
    {
        // Arrange
        // Policy 4 (one login per platform class): the kick crosses two platforms of one class as well as two instances.
        await using var cluster = await ScaleOutCluster.CreateAsync(redis);
        var a = await cluster.StartInstanceAsync(null, "--multiLoginPolicy=4");
        var b = await cluster.StartInstanceAsync(null, "--multiLoginPolicy=4");
        var admin = (await b.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;

        // Act + Assert: a user registered on A gets a token on B, and a token from A parses on B.
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "alice", nickname = "A" } } })).AssertOk();
        var fromB = (await b.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" })).Token;
        var fromA = (await a.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "alice" })).Token;
        (await b.PostAsync("/auth/parse_token", new { token = fromA })).AssertOk();
        (await a.PostAsync("/user/get_users_info", new { userIDs = new[] { "alice" } }, fromB)).AssertOk();

        // force_logout on B: A refuses the token on its very next request.
        (await b.PostAsync("/auth/force_logout", new { platformID = 5, userID = "alice" }, admin)).AssertOk();
        (await a.PostAsync("/user/get_users_info", new { userIDs = new[] { "alice" } }, fromA)).AssertError(1506);

        // A multi-login kick through A (Android replaces iOS, same class) is seen by B at once.
        var second = (await a.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = "alice" })).Token;
        (await b.PostAsync("/auth/parse_token", new { token = fromB })).AssertError(1506);
        (await b.PostAsync("/auth/parse_token", new { token = second })).AssertOk();
    }

    [Fact]
    public async Task Instances_SeeEachOthersUserChangesAtOnce_AndDeleteOpenImsUserCacheKeys()
    {
        // Arrange: B has dave in memory (get_users_info), and OpenIM's rockscache holds an entry for him
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var a = await cluster.StartInstanceAsync();
        var b = await cluster.StartInstanceAsync();
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "dave", nickname = "D" } } })).AssertOk();
        var token = (await b.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "dave" })).Token;
        Assert.Equal("D", (await ProfileOfDaveAsync(b, token)).Nickname);
        await cluster.Redis.Db.HashSetAsync("USER_INFO:dave", [new HashEntry("value", """{"userID":"dave","nickname":"D"}""")]);

        // Act: changes through A, each read back through B with no wait between
        (await a.PostAsync("/user/update_user_info", new { userInfo = new { userID = "dave", nickname = "D2" } }, token)).AssertOk();
        var afterUpdate = await ProfileOfDaveAsync(b, token);
        var keyLeft = await cluster.Redis.Db.KeyExistsAsync("USER_INFO:dave");
        (await a.PostAsync("/user/set_global_msg_recv_opt", new { userID = "dave", globalRecvMsgOpt = 2 }, token)).AssertOk();
        var afterOption = await ProfileOfDaveAsync(b, token);

        // Assert
        Assert.Equal(("D2", 0), afterUpdate);
        Assert.Equal(("D2", 2), afterOption);
        Assert.False(keyLeft);
    }

    [Theory]
    [MemberData(nameof(ScaleOutCluster.RedisKinds), MemberType = typeof(ScaleOutCluster))]
    public async Task Redis_HoldsOpenImLayout_AndHonoursStateWrittenByGoNode(string redis)
    {
        // Arrange
        await using var cluster = await ScaleOutCluster.CreateAsync(redis);
        var server = await cluster.StartInstanceAsync();
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "bob", nickname = "B" } } })).AssertOk();

        // Act: issue, kick, and let a "Go node" write a token of its own in OpenIM's layout.
        var issued = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = "bob" })).Token;
        (await server.PostAsync("/auth/force_logout", new { platformID = 2, userID = "bob" }, admin)).AssertOk();
        var fromGo = new TokenCodec(Secret).Sign("bob", 3, DateTimeOffset.UtcNow.AddSeconds(-10), TimeSpan.FromDays(90), TokenFormat.Backdated);
        await cluster.Redis.Db.HashSetAsync("UID_PID_TOKEN_STATUS:bob:Windows", fromGo, "0");

        // Assert: exact key, field and value; the foreign token works until the Go node marks it kicked.
        Assert.Equal("2", (string?)await cluster.Redis.Db.HashGetAsync("UID_PID_TOKEN_STATUS:bob:Android", issued));
        Assert.Equal("0", (string?)await cluster.Redis.Db.HashGetAsync("UID_PID_TOKEN_STATUS:imAdmin:Admin", admin));
        (await server.PostAsync("/user/get_users_info", new { userIDs = new[] { "bob" } }, fromGo)).AssertOk();
        // The Go node kicks it and announces the key on DELETE_CACHE_AUTH, as OpenIM v3.8+ does; the check cache
        // learns of it from that announcement, so the refusal follows it (poll: we are not told when it arrived).
        await cluster.Redis.Db.HashSetAsync("UID_PID_TOKEN_STATUS:bob:Windows", fromGo, "2");
        await cluster.Redis.Subscriber.PublishAsync(RedisChannel.Literal("DELETE_CACHE_AUTH"), "[\"UID_PID_TOKEN_STATUS:bob:Windows\"]");
        await Eventually.UntilAsync(
            () => server.PostAsync("/user/get_users_info", new { userIDs = new[] { "bob" } }, fromGo),
            answer => answer.ErrCode == 1506, TimeSpan.FromSeconds(10), "refusal of the token the Go node kicked");
    }

    [Theory]
    [MemberData(nameof(ScaleOutCluster.RedisKinds), MemberType = typeof(ScaleOutCluster))]
    public Task WithoutCheckCache_AGoNodesKick_CountsBeforeItsAnnouncement(string redis) =>
        AGoNodesKick_CountsBeforeItsAnnouncement(redis, "--redis.checkCacheEntries=0");

    /// <summary>On a cluster the check cache is off whatever its setting (docs/decisions.md, D18).</summary>
    [Fact]
    public Task OnACluster_WithDefaultSettings_AGoNodesKick_CountsBeforeItsAnnouncement() =>
        AGoNodesKick_CountsBeforeItsAnnouncement("cluster");

    private static async Task AGoNodesKick_CountsBeforeItsAnnouncement(string redis, params string[] instanceArgs)
    {
        // Arrange: checks read Redis every time, so nothing waits for DELETE_CACHE_AUTH.
        await using var cluster = await ScaleOutCluster.CreateAsync(redis);
        var server = await cluster.StartInstanceAsync(null, instanceArgs);
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "carol", nickname = "C" } } })).AssertOk();
        var token = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 5, userID = "carol" })).Token;
        (await server.PostAsync("/auth/parse_token", new { token })).AssertOk();

        // Act: a Go node kicks it and announces nothing (yet)
        await cluster.Redis.Db.HashSetAsync("UID_PID_TOKEN_STATUS:carol:Web", token, "2");

        // Assert
        (await server.PostAsync("/auth/parse_token", new { token })).AssertError(1506);
    }

    private static async Task<(string? Nickname, int GlobalRecvMsgOpt)> ProfileOfDaveAsync(ServerProcess server, string token)
    {
        var answer = await server.PostAsync("/user/get_users_info", new { userIDs = new[] { "dave" } }, token);
        answer.AssertOk();
        var user = answer.Data.GetProperty("usersInfo")[0];
        return (user.GetProperty("nickname").GetString(), user.GetProperty("globalRecvMsgOpt").GetInt32());
    }
}
