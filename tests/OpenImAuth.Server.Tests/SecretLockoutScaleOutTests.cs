using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>On the Redis store the lockout is every instance's: spreading guesses over instances gains nothing.</summary>
public sealed class SecretLockoutScaleOutTests
{
    private const string Secret = "openIM123";
    private const string Attacker = "203.0.113.9";

    [Fact]
    public async Task FailuresOnTwoInstances_CountTogether_AndLockTheAddressOutOfBoth()
    {
        // Arrange: both instances trust loopback as a proxy, so X-Forwarded-For names the attacker
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var a = await cluster.StartInstanceAsync(null, "--security.trustedProxies=127.0.0.1");
        var b = await cluster.StartInstanceAsync(null, "--security.trustedProxies=127.0.0.1");
        (await a.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "alice", nickname = "A" } } })).AssertOk();

        // Act: five wrong secrets through each
        var wrong = new List<int>();
        foreach (var server in new[] { a, b })
        {
            for (var i = 0; i < 5; i++)
            {
                wrong.Add((await PostAsync(server, new { secret = "guess", platformID = 1, userID = "alice" }, Attacker)).Status);
            }
        }
        var onA = await PostAsync(a, new { secret = Secret, platformID = 1, userID = "alice" }, Attacker);
        var onB = await PostAsync(b, new { secret = Secret, platformID = 1, userID = "alice" }, Attacker);
        var appServer = await PostAsync(b, new { secret = Secret, platformID = 1, userID = "alice" }, forwardedFor: null);

        // Assert
        Assert.All(wrong, status => Assert.Equal(200, status));
        Assert.Equal((429, "1010"), (onA.Status, onA.Body[..onA.Body.IndexOf(',', StringComparison.Ordinal)].Split(':')[1]));
        Assert.Equal(429, onB.Status);
        Assert.Equal(200, appServer.Status);
        Assert.Contains("\"errCode\":0", appServer.Body, StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> PostAsync(ServerProcess server, object body, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/user_token")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body)),
        };
        request.Headers.Add("operationID", "scale-out-lockout");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        using var response = await server.Client.SendAsync(request, TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
