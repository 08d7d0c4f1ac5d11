using System.Text;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>A body over the limit is answered 413 on a real connection, and the client's next request is served.</summary>
public sealed class OversizeBodyTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-oversize-");

    [Fact]
    public async Task OversizeBody_Answers413WithConnectionClose_AndTheNextRequestIsServed()
    {
        // Arrange: a body far over both the route's limit and Kestrel's, which Kestrel will not read to its end.
        await using var server = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
            $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}", "--api.maxRequestBodyBytes=65536");
        using var oversize = new HttpRequestMessage(HttpMethod.Post, "/auth/parse_token")
        {
            Content = new StringContent($$"""{"token":"{{new string('x', 300_000)}}"}""", Encoding.UTF8, "application/json"),
        };
        oversize.Headers.Add("operationID", "oversize");

        // Act: the oversize request, then an ordinary one from the same client.
        using var refused = await server.Client.SendAsync(oversize, TestContext.Current.CancellationToken);
        await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var next = await server.PostAsync("/auth/get_admin_token", new { secret = AuthApplication.Secret, userID = AuthApplication.Admin });

        // Assert
        Assert.Equal(413, (int)refused.StatusCode);
        Assert.True(refused.Headers.ConnectionClose, "a 413 must say that the connection closes");
        next.AssertOk();
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
