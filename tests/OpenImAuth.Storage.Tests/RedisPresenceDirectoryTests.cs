using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Presence;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Storage.Tests;

/// <summary>Presence shared through Redis: every instance sees every connection, but not those of a dead instance.</summary>
public sealed class RedisPresenceDirectoryTests
{
    [Fact]
    public async Task Find_SeesOtherInstances_AndForgetsOnesThatDied()
    {
        // Arrange: instance A has a connection; instance B asks.
        var ct = TestContext.Current.CancellationToken;
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connection = await TestServers.ConnectAsync(lease.Database);
        var a = await RedisPresenceDirectory.StartAsync(connection, TimeProvider.System);
        await using var b = await RedisPresenceDirectory.StartAsync(connection, TimeProvider.System);
        var entry = new PresenceEntry("u1", 5, "127.0.0.1:5000_1700000000000", false, "a.b.c");
        await a.ConnectedAsync(entry, ct);

        // Act
        var whileAlive = await b.FindAsync(["u1", "u2"], ct);
        await a.DisposeAsync(); // A goes away without recording the disconnect
        var afterDeath = await b.FindAsync(["u1"], ct);

        // Assert
        Assert.Equal([entry], whileAlive);
        Assert.Empty(afterDeath);
        Assert.Equal(0, await lease.Db.HashLengthAsync("OPENIMAUTH:ONLINE:u1")); // cleaned up on read
    }

    [Fact]
    public async Task Refresh_WritesTheConnectionsAgain_WhenRedisLostThem()
    {
        // Arrange: A has one connection (and had another); then Redis loses everything, as a restart without
        // persistence does
        var ct = TestContext.Current.CancellationToken;
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connection = await TestServers.ConnectAsync(lease.Database);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await RedisPresenceDirectory.StartAsync(connection, time);
        await using var b = await RedisPresenceDirectory.StartAsync(connection, TimeProvider.System);
        var entry = new PresenceEntry("u1", 5, "c1", false, "a.b.c");
        var gone = new PresenceEntry("u1", 2, "c2", false, "d.e.f");
        await a.ConnectedAsync(entry, ct);
        await a.ConnectedAsync(gone, ct);
        await a.DisconnectedAsync(gone, ct);
        await lease.FlushAsync();
        var lost = await b.FindAsync(["u1"], ct);

        // Act: A's next liveness refresh
        time.Advance(TimeSpan.FromSeconds(10));
        await a.LastRefresh;
        var back = await b.FindAsync(["u1"], ct);

        // Assert
        Assert.Empty(lost);
        Assert.Equal([entry], back);
    }

    [Fact]
    public async Task Disconnected_RemovesTheEntry()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connection = await TestServers.ConnectAsync(lease.Database);
        await using var directory = await RedisPresenceDirectory.StartAsync(connection, TimeProvider.System);
        var entry = new PresenceEntry("u1", 1, "c1", true, "t");
        await directory.ConnectedAsync(entry, ct);

        await directory.DisconnectedAsync(entry, ct);

        Assert.Empty(await directory.FindAsync(["u1"], ct));
    }
}
