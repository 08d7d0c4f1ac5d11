using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Hosting;

namespace OpenImAuth.Server.Tests;

/// <summary>The stores are opened as the host starts, and nothing gets one before.</summary>
public sealed class StoreLifecycleTests : IDisposable
{
    private readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("openimauth-lifecycle-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStoreAskedForBeforeStart_FailsWithTheReason()
    {
        // Arrange
        await using var services = Services();

        // Act
        var early = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<ITokenStateStore>());

        // Assert
        Assert.Contains("The stores are opened when the host starts", early.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_OpensTheStoreTheSettingsName_WithTheAdminsRegistered()
    {
        // Arrange
        await using var services = Services();
        var lifecycle = services.GetRequiredService<StoreLifecycle>();

        // Act
        await lifecycle.StartingAsync(Ct);

        // Assert: the embedded store's file, and the configured administrator in it
        Assert.True(File.Exists(Path.Combine(_dataDirectory.FullName, OpenImAuth.Storage.Sqlite.SqliteDatabase.FileName)));
        var admin = await services.GetRequiredService<IUserStore>().FindAsync("imAdmin", Ct);
        Assert.Equal(2, admin?.AppMangerLevel);
    }

    public void Dispose() => _dataDirectory.Delete(recursive: true);

    private ServiceProvider Services()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("storage:dataDir", _dataDirectory.FullName)])
            .Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddServerSettings()
            .AddSingleton(TimeProvider.System)
            .AddOpenImStores()
            .AddSqliteStores()
            .AddRedisStores()
            .BuildServiceProvider();
    }
}
