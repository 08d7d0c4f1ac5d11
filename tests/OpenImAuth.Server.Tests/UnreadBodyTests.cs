using System.Text;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// A large body that the answer leaves unread, on a real connection: the answer says that the connection closes, and
/// the client's next request is served on a new one. A small one keeps the connection.
/// </summary>
public sealed class UnreadBodyTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-unread-");

    // Over the route's limit (413); refused before the body is read (no operationID, a bad token); an unknown route.
    [Theory]
    [InlineData("/auth/parse_token", true, null, 413)]
    [InlineData("/auth/parse_token", false, null, 200)]
    [InlineData("/auth/force_logout", true, "not-a-token", 200)]
    [InlineData("/no/such_route", true, null, 404)]
    public async Task UnreadLargeBody_IsAnsweredWithConnectionClose_AndTheNextRequestIsServed(string path, bool operationId, string? token, int status)
    {
        // Arrange: a body far over both the route's limit and Kestrel's, which Kestrel will not read to its end.
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
            $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}", "--api.maxRequestBodyBytes=65536");
        using var large = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent($$"""{"token":"{{new string('x', 300_000)}}"}""", Encoding.UTF8, "application/json"),
        };
        if (operationId)
        {
            large.Headers.Add("operationID", "large");
        }
        if (token is not null)
        {
            large.Headers.Add("token", token);
        }

        // Act: the large request, then an ordinary one from the same client.
        using var refused = await server.Client.SendAsync(large, TestContext.Current.CancellationToken);
        var text = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var next = await server.PostAsync("/auth/get_admin_token", new { secret = AuthApplication.Secret, userID = AuthApplication.Admin });

        // Assert
        Assert.Equal(status, (int)refused.StatusCode);
        Assert.StartsWith("""{"errCode":""", text, StringComparison.Ordinal);
        Assert.True(refused.Headers.ConnectionClose, "an answer that leaves a large body unread must say that the connection closes");
        next.AssertOk();
    }

    [Fact]
    public async Task SmallBody_KeepsTheConnection_WhenRefusedBeforeItIsRead()
    {
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
            $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}", "--api.maxRequestBodyBytes=65536");
        using var small = new HttpRequestMessage(HttpMethod.Post, "/auth/force_logout") { Content = new StringContent("{}") };
        small.Headers.Add("operationID", "small");

        using var refused = await server.Client.SendAsync(small, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)refused.StatusCode);
        Assert.NotEqual(true, refused.Headers.ConnectionClose);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
