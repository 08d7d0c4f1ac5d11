using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>security.rateLimit: requests per second per client address, on every route; off by default.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task OverTheRate_AnAddressGets429WithAnEnvelope_AndOthersAreServed()
    {
        // Arrange: 2 per second; 20 requests at once cannot all fit unless they took over 9 s
        await using var app = new AuthApplication("v3", ("security:rateLimit", "2"));

        // Act
        var answers = new List<(int Status, ApiAnswer Answer, string RetryAfter)>();
        for (var i = 0; i < 20; i++)
        {
            answers.Add(await app.PostFromAsync("198.51.100.7", "/auth/parse_token", new { token = "" }));
        }
        var other = await app.PostFromAsync("192.0.2.10", "/auth/parse_token", new { token = "" });

        // Assert
        var refused = answers.Where(a => a.Status == 429).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, a =>
        {
            a.Answer.AssertError(1011);
            Assert.Equal("1", a.RetryAfter);
        });
        Assert.Equal(200, other.Status);
        other.Answer.AssertError(1001);
    }

    [Fact]
    public async Task ByDefault_NothingIsRateLimited()
    {
        await using var app = new AuthApplication();

        var statuses = new List<int>();
        for (var i = 0; i < 50; i++)
        {
            statuses.Add((await app.PostFromAsync("198.51.100.7", "/auth/parse_token", new { token = "" })).Status);
        }

        Assert.All(statuses, status => Assert.Equal(200, status));
    }
}
