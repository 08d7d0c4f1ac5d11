using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// Malformed bodies, headers and tokens sent to every route of a real server process: every answer is an OpenIM
/// envelope with a status of 200, 400, 404, 408 or 413 and never errCode 500, and the server still serves afterwards.
/// Runs are bounded by a count and by time. A failure names its seed and the request; FUZZ_SEED replays it.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private const int MaxRoundsPerSeed = 200; // one request per route per round
    private static readonly TimeSpan BudgetPerSeed = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(15);
    private static readonly int[] AllowedStatuses = [200, 400, 404, 408, 413];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-fuzz-");

    [Fact]
    public async Task RouteTable_HasAValidBodyForEveryOpenImRoute()
    {
        var routes = await MappedRoutesAsync();

        Assert.NotEmpty(routes);
        Assert.Contains("/auth/parse_token", routes);
        // A new route is fuzzed at once, from "{}"; a valid body of its own lets the fuzz reach its handler.
        Assert.Equal(routes.Order(StringComparer.Ordinal), RequestFuzzer.ValidBodies.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task EveryRoute_AnswersAnEnvelope_ForMalformedRequests(string store)
    {
        // Arrange: a real server with a small body limit (so that 413 is reached), a user, and both seeds' runs.
        var routes = await MappedRoutesAsync();
        // The fuzz sends wrong secrets by the hundred: a lockout would leave the secret routes' handlers unfuzzed.
        string[] settings = ["--api.maxRequestBodyBytes=65536", "--security.maxSecretFailures=1000000"];
        await using var cluster = store == "redis" ? await ScaleOutCluster.CreateAsync() : null;
        await using var own = cluster is null
            ? await ServerProcess.StartOnFreePortsAsync(_directory.FullName, [$"--storage.dataDir={Path.Combine(_directory.FullName, "data")}", .. settings])
            : null;
        var server = own ?? await cluster!.StartInstanceAsync(null, settings); // the cluster stops its own instances
        var users = new[] { new { userID = RequestFuzzer.User, nickname = "fuzz" } };
        (await server.PostAsync("/user/user_register", new { secret = AuthApplication.Secret, users })).AssertOk();

        // Act and assert: every answer, as it comes.
        foreach (var seed in FuzzSeeds.Both)
        {
            var sent = await FuzzAsync(server, routes, seed);
            TestContext.Current.TestOutputHelper?.WriteLine($"{store}: {FuzzSeeds.Replay(seed)}: {sent} requests");
        }

        // Assert: the server still serves.
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = AuthApplication.Secret, userID = AuthApplication.Admin })).Token;
        (await server.PostAsync("/auth/parse_token", new { token = admin })).AssertOk();
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task<int> FuzzAsync(ServerProcess server, IReadOnlyList<string> routes, int seed)
    {
        var fuzzer = new RequestFuzzer(new Random(seed));
        var clock = Stopwatch.StartNew();
        var sent = 0;
        var (admin, user) = ("", "");
        FuzzRequest? previous = null;
        for (var round = 0; round < MaxRoundsPerSeed && clock.Elapsed < BudgetPerSeed; round++)
        {
            // Fuzzed requests may kick these tokens (force_logout, a new login): fresh ones now and then.
            if (round % 10 == 0)
            {
                (admin, user) = await FreshTokensAsync(server, seed);
            }
            foreach (var path in routes)
            {
                var request = fuzzer.Next(path, admin, user);
                if (await ProblemWithAnswerAsync(server, request) is { } problem)
                {
                    Assert.Fail($"{FuzzSeeds.Replay(seed)}, request {sent}: {problem}\n{request}\nthe request before it:\n{previous}");
                }
                (previous, sent) = (request, sent + 1);
            }
        }
        return sent;
    }

    private static async Task<(string Admin, string User)> FreshTokensAsync(ServerProcess server, int seed)
    {
        var admin = await server.PostAsync("/auth/get_admin_token", new { secret = AuthApplication.Secret, userID = AuthApplication.Admin });
        var user = await server.PostAsync("/auth/user_token", new { secret = AuthApplication.Secret, platformID = 1, userID = RequestFuzzer.User });
        Assert.True(admin.ErrCode == 0 && user.ErrCode == 0, $"{FuzzSeeds.Replay(seed)}: no fresh tokens after fuzzing: {admin.Text} {user.Text}");
        return (admin.Token, user.Token);
    }

    /// <summary>What is wrong with the server's answer to <paramref name="request"/>; null when nothing is.</summary>
    private static async Task<string?> ProblemWithAnswerAsync(ServerProcess server, FuzzRequest request)
    {
        using var message = request.ToMessage();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(AnswerDeadline);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await server.Client.SendAsync(message, deadline.Token);
            text = await response.Content.ReadAsStringAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            var causes = string.Join(" <- ", Causes(ex).Select(e => $"{e.GetType().Name}: {e.Message}"));
            return $"no answer: {causes}\nserver output:\n{server.Output}";
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (!AllowedStatuses.Contains(status))
            {
                return $"HTTP {status}: {text}";
            }
            return EnvelopeProblem(text) is { } problem ? $"HTTP {status}: {problem}: {text}" : null;
        }
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>What keeps <paramref name="text"/> from being an OpenIM envelope, as the other tests read one.</summary>
    private static string? EnvelopeProblem(string text)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return "the body is not JSON";
        }
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("errCode", out var code) || code.ValueKind != JsonValueKind.Number || !code.TryGetInt32(out var errCode)
            || !root.TryGetProperty("errMsg", out var message) || message.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("errDlt", out var detail) || detail.ValueKind != JsonValueKind.String)
        {
            return "not an envelope with an integer errCode and string errMsg and errDlt";
        }
        // 500 in the envelope is the last resort for an exception nobody expected; the stores are up.
        return errCode == 500 ? "errCode 500, an unexpected exception on the server" : null;
    }

    /// <summary>The OpenIM routes of the server's own route table (the fallback, with its catch-all, is not one).</summary>
    private static async Task<IReadOnlyList<string>> MappedRoutesAsync()
    {
        await using var app = new AuthApplication();
        return app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<OpenImRoute>() is not null) // not the operator's GETs (/metrics, /docs)
            .Select(e => e.RoutePattern.RawText!)
            .ToList();
    }
}
