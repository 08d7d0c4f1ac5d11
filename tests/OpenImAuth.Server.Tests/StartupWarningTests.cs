using System.Text.RegularExpressions;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>Settings that work but should change: unknown keys and weak secrets are named at start-up.</summary>
public sealed class StartupWarningTests : IDisposable
{
    /// <summary>Weak secrets here carry this mark, so that a test can tell the secret was never printed.</summary>
    private const string Mark = "Qz7x";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-warn-");

    [Fact]
    public async Task Server_WarnsOncePerUnknownKey_FromEachSourceButNotTheShippedFile()
    {
        // Arrange: the shipped config.yaml plus a misspelt section; a misspelt variable; a misspelt argument; and
        // known list keys written as items in each source; and the host's own keys, which are not unknown.
        Directory.CreateDirectory(Path.Combine(_directory.FullName, "config"));
        var shipped = await File.ReadAllTextAsync(StartupHelpTests.RepositoryFile("config/config.yaml"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "config", "config.yaml"), shipped + "\nstorag:\n  kind: sqlite\n",
            TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["OPENIMAUTH_tokenPolicy__expires"] = "3",
            ["OPENIMAUTH_imAdminUserID__0"] = "imAdmin",
        };

        // Act
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, environment,
            "--redis.adress=127.0.0.1:6379", "--manager.userID:0=openIMAdmin", "--environment=Production", "--applicationName=OpenImAuth.Server",
            DataDir());

        // Assert: exactly these three, each on one warning.
        Assert.Contains("storag.kind: unknown setting (did you mean storage.kind?), ignored", server.Output, StringComparison.Ordinal);
        Assert.Contains("tokenPolicy.expires: unknown setting (did you mean tokenPolicy.expire?), ignored (set in OPENIMAUTH_tokenPolicy__expires)",
            server.Output, StringComparison.Ordinal);
        Assert.Contains("redis.adress: unknown setting (did you mean redis.address?), ignored (set in --redis.adress)", server.Output, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(server.Output, "unknown setting"));
        Assert.Equal(1, Regex.Count(server.Output, "storag\\.kind"));
    }

    [Fact]
    public async Task Server_NamesUnknownKeysBesideTheErrors_WhenStartUpFails()
    {
        // A misspelt key is often why a value is missing: here storage.kind stays sqlite, and the bad policy stops start-up.
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName, "--storag.kind=redis", "--multiLoginPolicy=3", DataDir());

        Assert.Equal(2, exitCode);
        Assert.Contains("multiLoginPolicy: 3 is not a supported policy", output, StringComparison.Ordinal);
        Assert.Contains("storag.kind: unknown setting (did you mean storage.kind?), ignored (set in --storag.kind)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_WarnsButServes_ForTheDefaultSecretOnLoopback()
    {
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, DataDir());
        var answer = await server.PostAsync("/auth/get_admin_token", new { secret = "openIM123", userID = "imAdmin" });

        answer.AssertOk();
        Assert.Contains("secret: is shorter than 16 characters", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("openIM123", server.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Mark, "is shorter than 16 characters")]
    [InlineData(Mark + "-long-enough-secret ", "has whitespace at its start or end")]
    [InlineData("\t" + Mark + "-long-enough-secret", "has whitespace at its start or end")]
    public async Task Server_WarnsWithoutPrintingTheSecret_ForAWeakSecretOnLoopback(string secret, string weakness)
    {
        var environment = new Dictionary<string, string> { ["OPENIMAUTH_secret"] = secret };

        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName, environment, DataDir());
        var answer = await server.PostAsync("/auth/get_admin_token", new { secret, userID = "imAdmin" });

        answer.AssertOk();
        Assert.Equal(1, Regex.Count(server.Output, $"secret: {weakness}"));
        Assert.DoesNotContain(Mark, server.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Mark)]
    [InlineData(Mark + "-long-enough-secret ")]
    public async Task Server_RefusesAWeakSecret_OffLoopback(string secret)
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName,
            "--api.listenIP=0.0.0.0", $"--secret={secret}", DataDir());

        Assert.Equal(2, exitCode);
        Assert.Contains("secret: ", output, StringComparison.Ordinal);
        Assert.Contains("security.allowWeakSecret", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Mark, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_StartsWithAWeakSecretOffLoopback_WhenAllowed()
    {
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
            "--api.listenIP=0.0.0.0", $"--secret={Mark}", "--security.allowWeakSecret=true", DataDir());
        var answer = await server.PostAsync("/auth/get_admin_token", new { secret = Mark, userID = "imAdmin" });

        answer.AssertOk();
        Assert.Contains("secret: is shorter than 16 characters", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_RefusesTheDefaultSecretOffLoopback_EvenWhenWeakSecretsAreAllowed()
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName,
            "--api.listenIP=0.0.0.0", "--security.allowWeakSecret=true", DataDir());

        Assert.Equal(2, exitCode);
        Assert.Contains("secret: the default secret", output, StringComparison.Ordinal);
    }

    private string DataDir() => $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}";

    public void Dispose() => _directory.Delete(recursive: true);
}
