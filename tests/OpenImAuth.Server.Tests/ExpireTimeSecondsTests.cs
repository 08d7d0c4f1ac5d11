using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// Per-request expiry (beyond OpenIM): the three token routes' optional <c>expireTimeSeconds</c>, capped by
/// <c>tokenPolicy.maxExpireSeconds</c>, on a real server process of each store.
/// </summary>
public sealed class ExpireTimeSecondsTests : IDisposable
{
    private const string Secret = "openIM123";
    private const long Cap = 3600;
    private const long DefaultLifetime = 90 * 86400;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-expiry-");

    private static readonly string[] Routes = ["/auth/user_token", "/auth/get_admin_token", "/auth/get_user_token"];

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task TokenRoutes_SignTheLifetimeAsked_AndKeepOpenImsAnswerWithoutIt(string store)
    {
        // Arrange
        await using var cluster = store == "redis" ? await ScaleOutCluster.CreateAsync() : null;
        await using var own = cluster is null ? await StartSqliteAsync($"--tokenPolicy.maxExpireSeconds={Cap}") : null;
        var server = own ?? await cluster!.StartInstanceAsync(null, $"--tokenPolicy.maxExpireSeconds={Cap}");
        var admin = await PrepareAsync(server);

        foreach (var route in Routes)
        {
            // Act
            var asked = await server.PostAsync(route, Body(route, "60"), admin);
            var parsed = await server.PostAsync("/auth/parse_token", new { token = asked.Token });
            var absent = await server.PostAsync(route, Body(route, null), admin);
            var zero = await server.PostAsync(route, Body(route, "0"), admin);

            // Assert: exp − iat is what was asked and the answer says so; without it (or with 0), OpenIM's answer exactly
            asked.AssertOk();
            Assert.Equal(60, asked.Data.GetProperty("expireTimeSeconds").GetInt64());
            Assert.Equal(60, LifetimeOf(asked.Token));
            foreach (var standard in new[] { absent, zero })
            {
                Assert.Equal($$$"""{"errCode":0,"errMsg":"","errDlt":"","data":{"token":"{{{standard.Token}}}","expireTimeSeconds":{{{DefaultLifetime}}}}}""",
                    standard.Text);
                Assert.Equal(DefaultLifetime, LifetimeOf(standard.Token));
            }
            parsed.AssertOk();
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task TokenRoutes_Refuse_ALifetimeAboveTheCapNegativeOrNotAWholeNumber_NamingTheCap(string store)
    {
        // Arrange
        await using var cluster = store == "redis" ? await ScaleOutCluster.CreateAsync() : null;
        await using var own = cluster is null ? await StartSqliteAsync($"--tokenPolicy.maxExpireSeconds={Cap}") : null;
        var server = own ?? await cluster!.StartInstanceAsync(null, $"--tokenPolicy.maxExpireSeconds={Cap}");
        var admin = await PrepareAsync(server);
        string[] refused = ["3601", "-1", "\"60\"", "1.5", "true", "9223372036854775808", "[60]", "{}"];

        foreach (var route in Routes)
        {
            foreach (var value in refused)
            {
                // Act
                var answer = await server.PostAsync(route, Body(route, value), admin);

                // Assert
                answer.AssertError(1001);
                var detail = answer.Root.GetProperty("errDlt").GetString()!;
                Assert.True(detail.Contains("expireTimeSeconds", StringComparison.Ordinal) && detail.Contains($"{Cap}", StringComparison.Ordinal),
                    $"{route} {value}: {answer.Text}");
            }
            // The cap itself is allowed.
            Assert.Equal(Cap, LifetimeOf((await server.PostAsync(route, Body(route, $"{Cap}"), admin)).Token));
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task Token_AnswersExpired_AfterItsOwnShortLifetime_WhileADefaultOneLivesOn(string store)
    {
        // Arrange: policy 0 keeps both tokens of one platform
        await using var cluster = store == "redis" ? await ScaleOutCluster.CreateAsync() : null;
        await using var own = cluster is null ? await StartSqliteAsync("--multiLoginPolicy=0") : null;
        var server = own ?? await cluster!.StartInstanceAsync(null, "--multiLoginPolicy=0");
        await PrepareAsync(server);
        var standard = (await server.PostAsync("/auth/user_token", Body("/auth/user_token", null), null)).Token;

        // Act
        var brief = (await server.PostAsync("/auth/user_token", Body("/auth/user_token", "3"), null)).Token;
        var first = await server.PostAsync("/auth/parse_token", new { token = brief });
        var later = await Eventually.UntilAsync(async () => (await server.PostAsync("/auth/parse_token", new { token = brief })).ErrCode,
            code => code != 0, TimeSpan.FromSeconds(30), "the 3-second token's expiry");

        // Assert
        first.AssertOk();
        Assert.Equal(1501, later);
        (await server.PostAsync("/auth/parse_token", new { token = standard })).AssertOk();
    }

    [Fact]
    public async Task RedisTtl_CoversTheLongestLivedToken_ThroughShorterLoginsAndForceLogout()
    {
        // Arrange: tokens may ask for three days where the configured lifetime is one; policy 0 keeps all of them
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var server = await cluster.StartInstanceAsync(null, "--tokenPolicy.expire=1", "--tokenPolicy.maxExpireSeconds=259200",
            "--multiLoginPolicy=0");
        var admin = await PrepareAsync(server);
        const string Ios = "UID_PID_TOKEN_STATUS:alice:IOS";

        // Act
        await IssueAsync(server, 1, "259200");
        await IssueAsync(server, 1, null);
        await IssueAsync(server, 1, "60");
        var afterShorter = await cluster.Redis.Db.KeyTimeToLiveAsync(Ios);
        (await server.PostAsync("/auth/force_logout", new { platformID = 1, userID = "alice" }, admin)).AssertOk();
        var afterKick = await cluster.Redis.Db.KeyTimeToLiveAsync(Ios);
        await IssueAsync(server, 2, "60");

        // Assert: OpenIM's hash-wide EXPIRE would cut the three-day token's state to a day (its bug #2399); a hash
        // that holds only a one-minute token goes with it
        var longest = TimeSpan.FromSeconds(259200);
        Assert.InRange(afterShorter!.Value, longest - TimeSpan.FromMinutes(1), longest);
        Assert.InRange(afterKick!.Value, longest - TimeSpan.FromMinutes(1), longest);
        Assert.InRange((await cluster.Redis.Db.KeyTimeToLiveAsync("UID_PID_TOKEN_STATUS:alice:Android"))!.Value,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        static async Task IssueAsync(ServerProcess server, int platformId, string? seconds)
        {
            var body = new JsonObject { ["secret"] = Secret, ["platformID"] = platformId, ["userID"] = "alice" };
            if (seconds is not null)
            {
                body["expireTimeSeconds"] = JsonNode.Parse(seconds);
            }
            (await server.PostAsync("/auth/user_token", body)).AssertOk();
        }
    }

    private Task<ServerProcess> StartSqliteAsync(params string[] settings) =>
        ServerProcess.StartOnFreePortsAsync(_directory.FullName, [$"--storage.dataDir={Path.Combine(_directory.FullName, "data")}", .. settings]);

    /// <summary>Registers alice and returns an admin token (for get_user_token and force_logout).</summary>
    private static async Task<string> PrepareAsync(ServerProcess server)
    {
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "alice", nickname = "A" } } })).AssertOk();
        return (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
    }

    /// <summary>The route's body, with <paramref name="expireTimeSeconds"/> as raw JSON when given.</summary>
    private static JsonObject Body(string route, string? expireTimeSeconds)
    {
        var body = route switch
        {
            "/auth/user_token" => new JsonObject { ["secret"] = Secret, ["platformID"] = 1, ["userID"] = "alice" },
            "/auth/get_admin_token" => new JsonObject { ["secret"] = Secret, ["userID"] = "imAdmin" },
            _ => new JsonObject { ["platformID"] = 2, ["userID"] = "alice" },
        };
        if (expireTimeSeconds is not null)
        {
            body["expireTimeSeconds"] = JsonNode.Parse(expireTimeSeconds);
        }
        return body;
    }

    /// <summary>exp − iat of a JWT, read from its payload.</summary>
    private static long LifetimeOf(string token)
    {
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]));
        return payload.RootElement.GetProperty("exp").GetInt64() - payload.RootElement.GetProperty("iat").GetInt64();
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
