using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>docs/decisions.md, D10 and D11: bad configuration stops the real process with a message naming the key.</summary>
public sealed class StartupConfigurationTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-config-");

    [Theory]
    [InlineData("--multiLoginPolicy=3", "multiLoginPolicy")]
    [InlineData("--tokenPolicy.expire=zero", "tokenPolicy.expire")]
    [InlineData("--tokenPolicy.maxExpireSeconds=0", "tokenPolicy.maxExpireSeconds")]
    [InlineData("--tokenPolicy.maxExpireSeconds=1.5", "tokenPolicy.maxExpireSeconds")]
    [InlineData("--api.listenIP=0.0.0.0", "OPENIMAUTH_secret")]
    [InlineData("--compat.profile=v4", "compat.profile")]
    [InlineData("--storage.kind=mongo", "storage.kind")]
    [InlineData("--api.openImApiPort=70000", "api.openImApiPort")]
    [InlineData("--longConnSvr.openImWsPort=0", "longConnSvr.openImWsPort")]
    [InlineData("--longConnSvr.openImWsPort=10002", "longConnSvr.openImWsPort")]
    [InlineData("--longConnSvr.websocketMaxConnNum=0", "longConnSvr.websocketMaxConnNum")]
    [InlineData("--longConnSvr.websocketMaxMsgLen=16", "longConnSvr.websocketMaxMsgLen")]
    [InlineData("--longConnSvr.websocketTimeout=soon", "longConnSvr.websocketTimeout")]
    [InlineData("--longConnSvr.path=msg_gateway", "longConnSvr.path")]
    [InlineData("--redis.checkCacheEntries=-1", "redis.checkCacheEntries")]
    [InlineData("--redis.hintedTokens=many", "redis.hintedTokens")]
    [InlineData("--redis.timeoutMs=0", "redis.timeoutMs")]
    [InlineData("--redis.timeoutMs=-5", "redis.timeoutMs")]
    [InlineData("--postgres.timeoutMs=0", "postgres.timeoutMs")]
    [InlineData("--prometheus.enable=maybe", "prometheus.enable")]
    [InlineData("--prometheus.port=0", "prometheus.port")]
    [InlineData("--prometheus.port=10001", "prometheus.port")]
    [InlineData("--log.format=xml", "log.format")]
    [InlineData("--log.level=Loud", "log.level")]
    [InlineData("--log.level=2", "log.level")]
    [InlineData("--security.maxSecretFailures=0", "security.maxSecretFailures")]
    [InlineData("--security.failureWindowSeconds=0", "security.failureWindowSeconds")]
    [InlineData("--security.lockoutSeconds=forever", "security.lockoutSeconds")]
    [InlineData("--security.trustedProxies=proxy.example", "security.trustedProxies")]
    [InlineData("--security.rateLimit=-1", "security.rateLimit")]
    public async Task Server_ExitsWithKeyNamed_ForBadValue(string argument, string named)
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, argument, DataDir());

        Assert.Equal(2, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_ExitsWithThePort_WhenAnotherProcessHoldsIt()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName,
            $"--api.openImApiPort={taken}", $"--longConnSvr.openImWsPort={ServerProcess.FreePort(except: taken)}", DataDir());

        Assert.Equal(2, exitCode);
        Assert.Contains($"127.0.0.1:{taken}", output, StringComparison.Ordinal);
        Assert.Contains("api.openImApiPort", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task Server_ExitsWithMessage_ForMissingConfigFile()
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, "--config", "nowhere.yaml");

        Assert.Equal(2, exitCode);
        Assert.Contains("nowhere.yaml", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api:\n  listenIP: ::\n", 2, 14, "found invalid mapping")] // an IPv6 address unquoted
    [InlineData("storage:\n  kind: sqlite\n   dataDir: ./data\n", 3, 11, "found invalid mapping")] // indented too far
    [InlineData("secret: \"unclosed\ntokenPolicy:\n  expire: 9\n", 1, 9, "double-quoted scalar")] // a quote left open
    public async Task Server_ExitsWithFileLineAndColumn_ForYamlThatDoesNotParse(string yaml, int line, int column, string problem)
    {
        // Arrange: the default file, config/config.yaml in the working directory.
        Directory.CreateDirectory(Path.Combine(_directory.FullName, "config"));
        var configFile = Path.Combine(_directory.FullName, "config", "config.yaml");
        await File.WriteAllTextAsync(configFile, yaml, TestContext.Current.CancellationToken);

        // Act
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, DataDir());

        // Assert
        Assert.Equal(2, exitCode);
        Assert.Contains($"config: {configFile}, line {line}, column {column}: ", output, StringComparison.Ordinal);
        Assert.Contains(problem, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task Server_ExitsWithTheArgument_ForAnArgumentTheReaderRefuses()
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, "-x=1", DataDir());

        Assert.Equal(2, exitCode);
        Assert.Contains("arguments: ", output, StringComparison.Ordinal);
        Assert.Contains("'-x=1'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_ReadsYamlThenEnvironmentThenArguments()
    {
        // Arrange: the file sets a secret, expire 10 and policy 0; the environment overrides the secret and
        // expire; the argument overrides expire again.
        var configFile = Path.Combine(_directory.FullName, "custom.yaml");
        await File.WriteAllTextAsync(configFile, "secret: fromYaml-0123456789\ntokenPolicy:\n  expire: 10\nmultiLoginPolicy: 0\napi:\n  listenIP: 0.0.0.0\n",
            TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string> { ["OPENIMAUTH_secret"] = "fromEnv-0123456789", ["OPENIMAUTH_tokenPolicy__expire"] = "8" };

        // Act
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, environment,
            "--config", configFile, "--tokenPolicy.expire=7", DataDir());
        var fromYaml = await server.PostAsync("/auth/get_admin_token", new { secret = "fromYaml-0123456789", userID = "imAdmin" });
        var answer = await server.PostAsync("/auth/get_admin_token", new { secret = "fromEnv-0123456789", userID = "imAdmin" });

        // Assert: a non-loopback address is fine with a strong secret of one's own.
        fromYaml.AssertError(1002);
        answer.AssertOk();
        Assert.Equal(7 * 86400, answer.Data.GetProperty("expireTimeSeconds").GetInt64());
    }

    [Fact]
    public async Task Server_ReadsEnvironmentOverYaml()
    {
        var environment = new Dictionary<string, string> { ["OPENIMAUTH_tokenPolicy__expire"] = "8" };

        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, environment, DataDir());
        var answer = await server.PostAsync("/auth/get_admin_token", new { secret = "openIM123", userID = "imAdmin" });

        Assert.Equal(8 * 86400, answer.Data.GetProperty("expireTimeSeconds").GetInt64());
    }

    private string DataDir() => $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}";

    public void Dispose() => _directory.Delete(recursive: true);
}
