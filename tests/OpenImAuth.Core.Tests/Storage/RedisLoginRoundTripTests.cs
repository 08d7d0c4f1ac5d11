using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Core.Tests.Storage;

/// <summary>
/// A login on Redis plans from what this instance last wrote for the user, so it makes one round trip; when another
/// instance changed the user's tokens meanwhile, the rejected apply brings them back and the login makes two.
/// </summary>
public sealed class RedisLoginRoundTripTests
{
    private static readonly AuthOptions Options = new("secret", 90, MultiLoginPolicy.AllLoginButSameTermKick, 10, [], CompatProfile.V3);

    [Fact]
    public async Task Login_MakesOneRoundTrip_WhenThisInstanceWroteTheUserLast_AndTwoAfterAnotherDid()
    {
        // Arrange: two instances on one database, each with a connection of its own
        var ct = TestContext.Current.CancellationToken;
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connectionOfA = await TestServers.ConnectAsync(lease.Database);
        await using var connectionOfB = await TestServers.ConnectAsync(lease.Database);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = Instance(connectionOfA, time);
        var b = Instance(connectionOfB, time);
        var user = "trips-" + Guid.NewGuid().ToString("N");
        await a.IssueAsync("warm-" + user, Platforms.Web, ct); // the script is loaded; later calls are one operation each

        // Act
        var first = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var (byB, _) = await RoundTripsAsync(connectionOfB, () => b.IssueAsync(user, Platforms.Android, ct));
        time.Advance(TimeSpan.FromSeconds(1));
        var third = await RoundTripsAsync(connectionOfA, () => a.IssueAsync(user, Platforms.Web, ct));

        // Assert: a user unknown here is guessed to have no tokens, rightly; the next login plans from A's own
        // write; B's login made A's next one stale, and the rejected apply carried what A needed to plan again.
        Assert.Equal((1, 1, 2), (first.Trips, second.Trips, third.Trips));
        var stored = await lease.Db.HashGetAllAsync(RedisKeys.TokenHash(user, Platforms.Web));
        Assert.Equal(
            new[] { (first.Token, "2"), (second.Token, "2"), (third.Token, "0") }.OrderBy(e => e.Item1, StringComparer.Ordinal),
            stored.Select(e => ((string)e.Name!, (string)e.Value!)).OrderBy(e => e.Item1, StringComparer.Ordinal));
        Assert.Equal("0", (string?)await lease.Db.HashGetAsync(RedisKeys.TokenHash(user, Platforms.Android), byB));
    }

    private static TokenService Instance(ConnectionMultiplexer connection, TimeProvider time) =>
        new(Options, new RedisTokenStateStore(connection, TimeSpan.FromDays(90), announceKicks: true), time, new LocalRevocationBus());

    private static async Task<(string Token, long Trips)> RoundTripsAsync(ConnectionMultiplexer connection, Func<Task<string>> login)
    {
        var before = connection.OperationCount;
        var token = await login();
        return (token, connection.OperationCount - before);
    }
}
