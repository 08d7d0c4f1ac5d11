using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using OpenImAuth.Server.Hosting;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

public sealed class ExpiredTokenSweepTests
{
    [Fact]
    public async Task TheHourlySweep_ForgetsATokenOnlyOnceItHasExpired()
    {
        // Arrange: one token on the embedded store; each sweep's count as it finishes
        await using var app = new AuthApplication();
        await app.AdminTokenAsync();
        var counts = Channel.CreateUnbounded<int>();
        app.Services.GetRequiredService<ExpiredTokenSweep>().Swept += count => counts.Writer.TryWrite(count);

        // Act: an hour while the token is valid, then past its 90 days
        app.Time.Advance(ExpiredTokenSweep.Period);
        var whileValid = await NextAsync(counts.Reader);
        app.Time.Advance(TimeSpan.FromDays(90));
        var afterExpiry = await NextAsync(counts.Reader);

        // Assert
        Assert.Equal(0, whileValid);
        Assert.Equal(1, afterExpiry);
    }

    private static async Task<int> NextAsync(ChannelReader<int> counts)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await counts.ReadAsync(timeout.Token);
    }
}
