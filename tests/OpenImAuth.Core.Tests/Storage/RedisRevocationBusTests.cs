using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Redis;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Core.Tests.Storage;

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
}
