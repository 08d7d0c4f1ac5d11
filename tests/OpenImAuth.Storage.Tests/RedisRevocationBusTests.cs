using OpenImAuth.Core;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Tests;

/// <summary>The cross-instance channel the gateways listen on: every instance hears every revocation.</summary>
public sealed class RedisRevocationBusTests
{
    [Fact]
    public async Task Publish_ReachesEveryInstance_IncludingThePublisher()
    {
        // Arrange: two instances, each with its own connection to the shared Redis.
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connectionA = await TestServers.ConnectAsync(lease.Database);
        await using var connectionB = await TestServers.ConnectAsync(lease.Database);
        var busA = await RedisRevocationBus.SubscribeAsync(connectionA);
        var busB = await RedisRevocationBus.SubscribeAsync(connectionB);
        var heardByA = new TaskCompletionSource<IReadOnlyList<StoredToken>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var heardByB = new TaskCompletionSource<IReadOnlyList<StoredToken>>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The channel is server-wide: tests running beside this one publish on it too, so match our own token.
        var revoked = new StoredToken("bus-test-" + Guid.NewGuid().ToString("N"), "u1", Platforms.Web, TokenStatus.Normal, 100, 200);
        busA.Revoked += tokens => { if (tokens.Any(t => t.Token == revoked.Token)) { heardByA.TrySetResult(tokens); } };
        busB.Revoked += tokens => { if (tokens.Any(t => t.Token == revoked.Token)) { heardByB.TrySetResult(tokens); } };

        // Act
        await busA.PublishAsync([revoked], TestContext.Current.CancellationToken);

        // Assert: both hear it, as a kicked token.
        var expected = revoked with { Status = TokenStatus.Kicked };
        Assert.Equal([expected], await heardByA.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal([expected], await heardByB.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnnouncingStore_PublishesTheKicksOfAnAppliedChange_AndNothingForAStaleOne()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connection = await TestServers.ConnectAsync(lease.Database);
        var bus = await RedisRevocationBus.SubscribeAsync(connection);
        var store = new RedisTokenStateStore(connection, TimeSpan.FromDays(1), announceKicks: true);
        var user = "announce-" + Guid.NewGuid().ToString("N");
        var hearUntilEnd = await HearUserAsync(connection, user);
        var first = Token(user, "first");
        Assert.True(await store.ApplyAsync(new TokenStateChange(user, first, [], []), ct));

        // Act: a change planned on a stale basis (no tokens), then one that applies; then our own end-of-test marker
        var stale = await store.ApplyAsync(new TokenStateChange(user, Token(user, "stale"), [first], [], Basis: []), ct);
        var applied = await store.ApplyAsync(new TokenStateChange(user, Token(user, "second"), [first], []), ct);
        await bus.PublishAsync([Token(user, "end")], ct);
        var heard = await hearUntilEnd();

        // Assert: one message for the applied kick, before the marker (one connection, one order)
        Assert.False(stale);
        Assert.True(applied);
        Assert.Equal([[first with { Status = TokenStatus.Kicked }], [Token(user, "end") with { Status = TokenStatus.Kicked }]], heard);
    }

    [Fact]
    public async Task Issuance_OnAnAnnouncingStore_AnnouncesEachKickOnce()
    {
        // Arrange: policy 1, so a second login on the same platform kicks the first
        var ct = TestContext.Current.CancellationToken;
        await using var lease = await TestServers.LeaseRedisDatabaseAsync();
        await using var connection = await TestServers.ConnectAsync(lease.Database);
        var bus = await RedisRevocationBus.SubscribeAsync(connection);
        var store = new RedisTokenStateStore(connection, TimeSpan.FromDays(90), announceKicks: true);
        var options = new AuthOptions("secret", 90, MultiLoginPolicy.AllLoginButSameTermKick, 10, [], CompatProfile.V3);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = new TokenService(options, store, time, bus);
        var user = "issue-" + Guid.NewGuid().ToString("N");
        var hearUntilEnd = await HearUserAsync(connection, user);
        var first = await tokens.IssueAsync(user, Platforms.Web, ct);

        // Act: a second later, so that the new token differs from the first
        time.Advance(TimeSpan.FromSeconds(1));
        await tokens.IssueAsync(user, Platforms.Web, ct);
        await bus.PublishAsync([Token(user, "end")], ct);
        var heard = await hearUntilEnd();

        // Assert: the store's script announced the kick; the service did not announce it a second time
        Assert.Equal([[first], ["end"]], heard.Select(message => message.Select(t => t.Token).ToArray()).ToArray());
    }

    private static StoredToken Token(string user, string name) => new(name, user, Platforms.Web, TokenStatus.Normal, 100, 4_000_000_000);

    /// <summary>
    /// Every revocation message about <paramref name="user"/>, in the order Redis sent them, up to and with the one
    /// that holds its "end" token. Read from a message queue of its own rather than the bus's handlers: those may run
    /// concurrently, and only an ordered read can show that nothing came before the marker but what was expected.
    /// </summary>
    private static async Task<Func<Task<List<IReadOnlyList<StoredToken>>>>> HearUserAsync(ConnectionMultiplexer connection, string user)
    {
        var queue = await connection.GetSubscriber().SubscribeAsync(RedisKeys.Revoked);
        return async () =>
        {
            var heard = new List<IReadOnlyList<StoredToken>>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            while (true)
            {
                var message = await queue.ReadAsync(timeout.Token);
                var tokens = JsonSerializer.Deserialize((string)message.Message!, RedisJson.Default.ListRevokedTokenMessage)!
                    .Select(t => t.ToStoredToken()).ToList();
                if (tokens.Any(t => t.UserId == user))
                {
                    heard.Add(tokens);
                    if (tokens.Any(t => t.Token == "end"))
                    {
                        await queue.UnsubscribeAsync();
                        return heard;
                    }
                }
            }
        };
    }
}
