using System.Text.RegularExpressions;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>Settings that work but should change: unknown keys are named at start-up.</summary>
public sealed class StartupWarningTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-warn-");

    [Fact]
    public async Task Server_WarnsOncePerUnknownKey_FromEachSourceButNotTheShippedFile()
    {
        // Arrange: the shipped config.yaml plus a misspelt section; a misspelt variable; a misspelt argument; and
        // known list keys written as items in each source.
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
            "--redis.adress=127.0.0.1:6379", "--manager.userID:0=openIMAdmin", DataDir());

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

    private string DataDir() => $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}";

    public void Dispose() => _directory.Delete(recursive: true);
}
