using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// The audit log as an operator meets it: real server processes on the embedded store and on Redis + PostgreSQL,
/// entries written in the background and found by <c>/audit/search</c>.
/// </summary>
public sealed class AuditLogTests
{
    // A secret of its own, so that "the secret appears nowhere" cannot be confused with an administrator's ID.
    private const string Secret = "audit-test-secret-7f3c9a";
    private static readonly TimeSpan Written = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task Search_FindsEachAuditedAction_NewestFirst(string store)
    {
        // Arrange
        await using var server = await AuditedServer.StartAsync(store, Secret);
        var s = server.Process;
        var admin = (await s.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        (await s.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "alice", nickname = "A" } } })).AssertOk();
        var first = (await s.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" })).Token;

        // Act: a second login that kicks the first (policy 1), a wrong secret, a user token where an admin's belongs,
        // a force_logout and a failed login.
        var second = (await s.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "alice" })).Token;
        (await s.PostAsync("/auth/user_token", new { secret = "wrong", platformID = 1, userID = "alice" })).AssertError(1002);
        (await s.PostAsync("/auth/force_logout", new { platformID = 1, userID = "alice" }, second)).AssertError(1002);
        (await s.PostAsync("/auth/force_logout", new { platformID = 1, userID = "alice" }, admin)).AssertOk();
        (await s.PostAsync("/auth/user_token", new { secret = Secret, platformID = 2, userID = "nobody" })).AssertError(1004);
        var page = await WaitForAsync(s, admin, new { userID = "alice", pagination = Page(1, 100) }, 7);

        // Assert
        Assert.Equal(
            ["force_logout", "admin_token_refused", "secret_refused", "user_token", "multi_login_kick", "user_token", "user_register"],
            page.Select(e => e.GetProperty("action").GetString()));
        var logout = page[0];
        Assert.Equal("imAdmin", logout.GetProperty("actor").GetString());
        Assert.Equal(1, logout.GetProperty("platformID").GetInt32());
        Assert.Equal(0, logout.GetProperty("errCode").GetInt32());
        Assert.Equal("process-test", logout.GetProperty("operationID").GetString());
        Assert.Equal("127.0.0.1", logout.GetProperty("address").GetString());
        Assert.Equal(1002, page[1].GetProperty("errCode").GetInt32());
        Assert.Equal("alice", page[1].GetProperty("actor").GetString());
        Assert.Equal(("secret", 1002), (page[2].GetProperty("actor").GetString(), page[2].GetProperty("errCode").GetInt32()));
        Assert.Equal(("secret", 0, 1), (page[3].GetProperty("actor").GetString(), page[3].GetProperty("errCode").GetInt32(), page[3].GetProperty("platformID").GetInt32()));
        Assert.Equal("secret", page[6].GetProperty("actor").GetString());
        var failed = await WaitForAsync(s, admin, new { userID = "nobody", pagination = Page(1, 10) }, 1);
        Assert.Equal(("user_token", 1004), (failed[0].GetProperty("action").GetString(), failed[0].GetProperty("errCode").GetInt32()));
        var everything = await SearchAsync(s, admin, new { pagination = Page(1, 1000) });
        foreach (var text in new[] { Secret, "wrong", admin, first, second })
        {
            Assert.DoesNotContain(text, everything.Text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task Search_FiltersByActionAndTimeAndPages(string store)
    {
        // Arrange: three logins of three users, and user IDs PostgreSQL cannot store as they are among them.
        await using var server = await AuditedServer.StartAsync(store, Secret);
        var s = server.Process;
        var admin = (await s.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        (await s.PostAsync("/user/user_register", new { secret = Secret, users = new[] { "u1", "u2", "u3" }.Select(id => new { userID = id, nickname = "N" }) })).AssertOk();
        (await s.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "bad\u0000id" })).AssertError(1004);
        // A user ID whose 256-character cut would fall inside an emoji (PostgreSQL refuses half of one).
        var longId = new string('a', 255) + "\U0001F600";
        Assert.NotEqual(0, (await s.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = longId })).ErrCode);
        foreach (var id in new[] { "u1", "u2", "u3" })
        {
            (await s.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = id })).AssertOk();
        }
        var all = await WaitForAsync(s, admin, new { action = "user_token", pagination = Page(1, 10) }, 5);

        // Act
        var second = await SearchAsync(s, admin, new { action = "user_token", pagination = Page(2, 1) });
        var middle = all[1].GetProperty("time").GetInt64();
        var at = await SearchAsync(s, admin, new { userID = "u2", from = middle, to = middle, pagination = Page(1, 10) });
        var before = await SearchAsync(s, admin, new { userID = "u2", to = middle - 1, pagination = Page(1, 10) });
        var unknown = await SearchAsync(s, admin, new { userID = "nobody", pagination = Page(1, 10) });

        // Assert
        Assert.Equal(["u3", "u2", "u1", new string('a', 255), "bad\uFFFDid"], all.Select(e => e.GetProperty("userID").GetString()));
        Assert.Equal(5, second.Data.GetProperty("total").GetInt64());
        Assert.Equal("u2", Assert.Single(Entries(second)).GetProperty("userID").GetString());
        Assert.Equal("user_token", Assert.Single(Entries(at)).GetProperty("action").GetString());
        Assert.Equal(0, before.Data.GetProperty("total").GetInt64());
        Assert.Empty(Entries(unknown));
        Assert.Equal(0, unknown.Data.GetProperty("total").GetInt64());
    }

    internal static object Page(int pageNumber, int showNumber) => new { pageNumber, showNumber };

    internal static Task<ApiAnswer> SearchAsync(ServerProcess server, string admin, object body) =>
        server.PostAsync("/audit/search", body, admin);

    internal static List<JsonElement> Entries(ApiAnswer answer)
    {
        answer.AssertOk();
        return [.. answer.Data.GetProperty("entries").EnumerateArray()];
    }

    /// <summary>The entries <paramref name="body"/> finds, once there are <paramref name="count"/> (the writer is in the background).</summary>
    internal static async Task<List<JsonElement>> WaitForAsync(ServerProcess server, string admin, object body, int count) =>
        Entries(await Eventually.UntilAsync(() => SearchAsync(server, admin, body),
            answer => answer.ErrCode != 0 || answer.Data.GetProperty("total").GetInt64() >= count, Written, $"{count} audit entries"));

    /// <summary>One server process on the named store, with its store's lease.</summary>
    private sealed class AuditedServer : IAsyncDisposable
    {
        private readonly ScaleOutCluster? _cluster;
        private readonly DirectoryInfo? _directory;

        private AuditedServer(ServerProcess process, ScaleOutCluster? cluster, DirectoryInfo? directory)
        {
            Process = process;
            _cluster = cluster;
            _directory = directory;
        }

        public ServerProcess Process { get; }

        public static async Task<AuditedServer> StartAsync(string store, string secret)
        {
            if (store == "redis")
            {
                var cluster = await ScaleOutCluster.CreateAsync();
                return new AuditedServer(await cluster.StartInstanceAsync(null, $"--secret={secret}"), cluster, null);
            }
            var directory = Directory.CreateTempSubdirectory("openimauth-audit-");
            return new AuditedServer(await ServerProcess.StartOnFreePortsAsync(directory.FullName, $"--secret={secret}"), null, directory);
        }

        public async ValueTask DisposeAsync()
        {
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync(); // disposes its servers too
            }
            else
            {
                await Process.DisposeAsync();
                _directory!.Delete(recursive: true);
            }
        }
    }
}
