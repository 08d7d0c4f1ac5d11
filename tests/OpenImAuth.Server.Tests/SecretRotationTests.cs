using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// Rotating the secret by rewriting the config file of a running server: tokens of the old secret and the gateway
/// connections made with them stay while it is a previous secret, and stop working once it is taken out.
/// </summary>
public sealed class SecretRotationTests : IDisposable
{
    private const string OldSecret = "old-secret-of-the-app-server-Qz7x";
    private const string NewSecret = "new-secret-of-the-app-server-Wk3p";

    /// <summary>The server applies a change within 2 s; this only bounds how long a broken reload takes to fail.</summary>
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-rotation-");

    public static TheoryData<string> Stores => ["sqlite", "redis"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Rotation_KeepsOldTokensAndConnections_UntilTheOldSecretIsTakenOut(string store)
    {
        // Arrange: a token of the old secret, and a gateway connection made with it.
        WriteConfig($"secret: {OldSecret}\n");
        await using var cluster = store == "redis" ? await ScaleOutCluster.CreateAsync() : null;
        var server = cluster is null
            ? await ServerProcess.StartOnFreePortsAsync(_directory.FullName, $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}")
            : await cluster.StartInstanceAsync(null, "--config", ConfigFile);
        await using var ownServer = cluster is null ? server : null; // the cluster stops its own instances
        var users = new[] { new { userID = "alice", nickname = "A" }, new { userID = "probe", nickname = "P" } };
        (await server.PostAsync("/user/user_register", new { secret = OldSecret, users })).AssertOk();
        var oldToken = (await server.PostAsync("/auth/user_token", new { secret = OldSecret, platformID = 5, userID = "alice" })).Token;
        await using var client = await GatewayClient.ConnectAsync($"{server.GatewayAddress}/{GatewayClient.SdkQuery("alice", oldToken, 5)}");
        await client.ExpectLoggedInAsync();

        // Act: the new secret signs, the old one is a previous secret.
        WriteConfig($"secret: {NewSecret}\npreviousSecrets:\n  - {OldSecret}\n");
        await Eventually.UntilAsync(() => ProbeTokenAsync(server, OldSecret), token => SignedWith(token, NewSecret), ReloadDeadline,
            "a token signed with the new secret");

        // Assert: the old token and its connection still work; new tokens carry the new secret's signature; the old
        // secret's use was logged with the caller's address and without the secret.
        (await server.PostAsync("/auth/parse_token", new { token = oldToken })).AssertOk();
        await client.ExpectAliveAsync();
        var newToken = (await server.PostAsync("/auth/user_token", new { secret = NewSecret, platformID = 1, userID = "alice" })).Token;
        Assert.True(SignedWith(newToken, NewSecret), newToken);
        Assert.False(SignedWith(newToken, OldSecret), newToken);
        Assert.Contains("A previous secret (previousSecrets[0]) was used by 127.0.0.1 on /auth/user_token", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(OldSecret, server.Output, StringComparison.Ordinal);
        var metrics = await MetricsScrape.TakeAsync(server.Client.BaseAddress!.ToString().TrimEnd('/'));
        Assert.True(metrics.Value("openimauth_secret_previous_used_total") >= 1, metrics.Text);
        Assert.Equal(0, metrics.Value("openimauth_secret_failures_total"));
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = NewSecret, userID = "imAdmin" })).Token;
        var audited = await AuditLogTests.WaitForAsync(server, admin,
            new { action = "previous_secret_used", pagination = AuditLogTests.Page(1, 10) }, 1);
        Assert.All(audited, entry =>
        {
            Assert.Equal("127.0.0.1", entry.GetProperty("address").GetString());
            Assert.Equal("secret", entry.GetProperty("actor").GetString());
            Assert.Equal("previousSecrets[0] on /auth/user_token", entry.GetProperty("detail").GetString());
        });

        // Act: a file without a valid secret is refused, and the secrets in force stay.
        WriteConfig($"secret: \"\"\npreviousSecrets:\n  - {OldSecret}\n");
        await Eventually.UntilAsync(() => Task.FromResult(server.Output), output => output.Contains("Config reload refused", StringComparison.Ordinal),
            ReloadDeadline, "the refusal of an empty secret");
        Assert.Contains("secret: must not be empty; the secret and previousSecrets in force stay", server.Output, StringComparison.Ordinal);
        Assert.True(SignedWith(await ProbeTokenAsync(server, NewSecret), NewSecret));
        Assert.True(SignedWith(await ProbeTokenAsync(server, OldSecret), NewSecret));

        // Act: the old secret is taken out.
        WriteConfig($"secret: {NewSecret}\n");
        var refused = await Eventually.UntilAsync(
            () => server.PostAsync("/auth/user_token", new { secret = OldSecret, platformID = 1, userID = "probe" }),
            answer => answer.ErrCode != 0, ReloadDeadline, "the old secret refused");

        // Assert: the old secret is a wrong one, and its tokens are as a wrong signature's, the connection made with
        // one closed; the new ones stay good.
        refused.AssertError(1002);
        var (before, _) = await client.ReceiveUntilCloseAsync();
        Assert.Contains("\"reqIdentifier\":2002", Assert.Single(before).Text, StringComparison.Ordinal); // the kick frame
        (await server.PostAsync("/auth/parse_token", new { token = oldToken })).AssertError(1505);
        (await server.PostAsync("/auth/parse_token", new { token = newToken })).AssertOk();
    }

    [Fact]
    public async Task Server_RefusesTheDefaultSecretAsAPreviousSecret_BeyondLoopback()
    {
        // A previous secret verifies tokens: OpenIM's public default would let anyone mint them.
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, "--api.listenIP=0.0.0.0",
            $"--secret={NewSecret}", "--previousSecrets:0=openIM123", $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}");

        Assert.Equal(2, exitCode);
        Assert.Contains("previousSecrets.0: the default secret 'openIM123' is only allowed on a loopback address", output, StringComparison.Ordinal);
    }

    private string ConfigFile => Path.Combine(_directory.FullName, "config", "config.yaml");

    /// <summary>Rewrites the file in place, as an editor or a config-management tool does.</summary>
    private void WriteConfig(string yaml)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        File.WriteAllText(ConfigFile, yaml);
    }

    private static async Task<string> ProbeTokenAsync(ServerProcess server, string secret)
    {
        var answer = await server.PostAsync("/auth/user_token", new { secret, platformID = 1, userID = "probe" });
        answer.AssertOk();
        return answer.Token;
    }

    /// <summary>Whether the token's HS256 signature is <paramref name="secret"/>'s, checked here and not by the server.</summary>
    private static bool SignedWith(string token, string secret)
    {
        var lastDot = token.LastIndexOf('.');
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(token[..lastDot]));
        return Base64Url.EncodeToString(signature) == token[(lastDot + 1)..];
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
