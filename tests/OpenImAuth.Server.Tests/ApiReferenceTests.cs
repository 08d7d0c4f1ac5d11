using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>The OpenAPI document describes every mapped OpenIM route, and /docs renders it from this server alone.</summary>
public sealed partial class ApiReferenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Document_DescribesEveryMappedRoute_WithItsBodyEnvelopeAndCodes()
    {
        // Arrange
        await using var app = new AuthApplication();
        var client = app.CreateClient();
        var mapped = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<OpenImRoute>() is not null)
            .ToDictionary(e => "/" + e.RoutePattern.RawText!.TrimStart('/'), e => e.Metadata.GetMetadata<OpenImRoute>()!);

        // Act
        using var document = JsonDocument.Parse(await client.GetStringAsync(ApiReference.DocumentPath, Ct));

        // Assert: exactly the mapped routes, each a POST with its headers, a body with the request's fields, and the
        // envelope whose errCode lists success, the common codes and (with a token header) the token checks' codes
        var paths = document.RootElement.GetProperty("paths");
        Assert.Equal(23, mapped.Count);
        Assert.Equal(mapped.Keys.Order(), paths.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (path, route) in mapped)
        {
            var post = paths.GetProperty(path).GetProperty("post");
            var headers = post.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
            Assert.Equal(route.Access == Access.Token ? ["operationID", "token"] : ["operationID"], headers);
            var body = post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            Assert.NotEmpty(body.GetProperty("properties").EnumerateObject());
            var envelope = post.GetProperty("responses").GetProperty("200").GetProperty("content")
                .GetProperty("application/json").GetProperty("schema").GetProperty("properties");
            var codes = envelope.GetProperty("errCode").GetProperty("enum").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Contains(0, codes);
            Assert.Contains(1001, codes);
            Assert.Contains(500, codes);
            Assert.Equal(route.Access == Access.Token || path is "/auth/parse_token" or "/user/user_register", codes.Contains(1506));
            Assert.True(post.GetProperty("responses").TryGetProperty("413", out _), path);
        }
    }

    [Fact]
    public async Task Document_GivesEachRoutesDataSchema_AndNoDataWhereTheRouteAnswersNone()
    {
        // Arrange
        await using var app = new AuthApplication();

        // Act
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync(ApiReference.DocumentPath, Ct));

        // Assert
        var token = DataOf(document, "/auth/user_token");
        Assert.Equal(["token", "expireTimeSeconds"], token!.Value.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal("integer", token.Value.GetProperty("properties").GetProperty("expireTimeSeconds").GetProperty("type").GetString());
        var parsed = DataOf(document, "/auth/parse_token");
        Assert.Equal(["userID", "platform", "platformID", "expireTimeSeconds"], parsed!.Value.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Null(DataOf(document, "/auth/force_logout"));
        Assert.Null(DataOf(document, "/user/user_register"));
    }

    [Theory]
    [InlineData("v3", "string")]
    [InlineData("v3.8", "integer")]
    public async Task Document_DescribesTheDataShapeOfTheServersProfile(string profile, string accountStatusType)
    {
        // Arrange
        await using var app = new AuthApplication(profile);

        // Act
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync(ApiReference.DocumentPath, Ct));

        // Assert: account_check's accountStatus is text under v3 and a number under v3.8
        var results = DataOf(document, "/user/account_check")!.Value.GetProperty("properties").GetProperty("results");
        var status = results.GetProperty("items").GetProperty("properties").GetProperty("accountStatus");
        Assert.Equal(accountStatusType, status.GetProperty("type").GetString());
    }

    [Fact]
    public async Task DocsPage_IsServed_WithEveryScriptFromThisServer()
    {
        // Arrange
        await using var app = new AuthApplication();
        var client = app.CreateClient();

        // Act
        using var page = await client.GetAsync(ApiReference.PagePath + "/", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);

        // Assert: an HTML page whose scripts are all relative, and each of them is served here
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.StartsWith("text/html", page.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.DoesNotContain("//", script, StringComparison.Ordinal);
            using var answer = await client.GetAsync($"{ApiReference.PagePath}/{script}", Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        }
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenImRoutes_StillAnswer404ToGet_BesideTheReference()
    {
        // Arrange
        await using var app = new AuthApplication();

        // Act
        using var answer = await app.CreateClient().GetAsync("/auth/user_token", Ct);

        // Assert
        Assert.Equal(System.Net.HttpStatusCode.NotFound, answer.StatusCode);
        Assert.StartsWith("""{"errCode":1001""", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static JsonElement? DataOf(JsonDocument document, string path) =>
        document.RootElement.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses")
            .GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("properties").TryGetProperty("data", out var data) ? data : null;

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
