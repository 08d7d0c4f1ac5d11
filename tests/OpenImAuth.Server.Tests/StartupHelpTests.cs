using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>--help lists every setting the server reads, and the README's table lists the same ones.</summary>
public sealed class StartupHelpTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-help-");

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Server_PrintsUsageAndEverySettingThenExits_ForHelp(string flag)
    {
        // Arrange: the API port is held, so a server that tried to start would stop with exit code 2.
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var held = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var dataDirectory = Path.Combine(_directory.FullName, "data");

        // Act
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_directory.FullName,
            $"--api.openImApiPort={held}", flag, $"--storage.dataDir={dataDirectory}");

        // Assert: usage, the three sources, then every key with its default and meaning; no store opened.
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("--config <file>", output, StringComparison.Ordinal);
        Assert.Contains("OPENIMAUTH_tokenPolicy__expire=30", output, StringComparison.Ordinal);
        Assert.Contains("--<key>=<value>", output, StringComparison.Ordinal);
        var settings = ServerSettings.Describe();
        Assert.Contains(settings, s => s.Key == "security.allowWeakSecret");
        foreach (var setting in settings)
        {
            Assert.Contains($"  {setting.Key} = {setting.Default}{Environment.NewLine}      {setting.Meaning}{Environment.NewLine}", output,
                StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public void ReadmeConfigurationTable_ListsExactlyTheKeysTheServerReads()
    {
        // Arrange: the first cell of every row of the table in the README's Configuration section.
        var lines = File.ReadAllLines(RepositoryFile("README.md"));
        var section = lines.SkipWhile(l => l != "## Configuration").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal));
        var documented = section.Where(l => l.StartsWith("| `", StringComparison.Ordinal)).Select(l => l.Split('`')[1]).Order(StringComparer.Ordinal).ToList();

        // Act
        var read = ServerSettings.Describe().Select(s => s.Key).Order(StringComparer.Ordinal).ToList();

        // Assert
        Assert.Equal(read, documented);
    }

    /// <summary>A file of the repository, found above the test assembly (artifacts/bin/&lt;project&gt;/&lt;config&gt;).</summary>
    internal static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OpenImAuth.slnx")))
            {
                return Path.Combine(directory.FullName, relative);
            }
        }
        throw new FileNotFoundException("the repository root (OpenImAuth.slnx) is not above the test assembly", relative);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
