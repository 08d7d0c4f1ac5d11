using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// The real server in memory: the real pipeline and the real SQLite store in a temporary directory, with a fake
/// clock. One per test (<c>await using</c>), so tests never share state.
/// </summary>
public sealed class AuthApplication : WebApplicationFactory<Program>
{
    public const string Secret = "openIM123";
    public const string Admin = "imAdmin";

    private readonly Dictionary<string, string> _settings;

    public AuthApplication(string profile = "v3", params (string Key, string Value)[] settings)
    {
        DataDirectory = Directory.CreateTempSubdirectory("openimauth-test-").FullName;
        GatewayPort = ServerProcess.FreePort();
        _settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["storage:dataDir"] = DataDirectory,
            ["compat:profile"] = profile,
            // The gateway listens on a real socket even in memory: a port of its own, so apps can run side by side. The
            // API is served in memory, but start-up checks that its port is free, so it gets one of its own too.
            ["longConnSvr:openImWsPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["api:openImApiPort"] = ServerProcess.FreePort(except: GatewayPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    public string DataDirectory { get; }

    /// <summary>Every log line of the host at Warning and up.</summary>
    public LogCapture Logs { get; } = new();

    public int GatewayPort { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(Logs));
    }

    /// <summary>POSTs a raw body with an operationID (and a token when given); returns status and body text.</summary>
    public Task<(int Status, string Body)> PostRawAsync(string path, string? body, string? token = null, bool operationId = true) =>
        PostContentAsync(path, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"), token, operationId);

    /// <summary>POSTs bytes as they are (such as invalid UTF-8) with an operationID; returns status and body text.</summary>
    public Task<(int Status, string Body)> PostBytesAsync(string path, byte[] body) =>
        PostContentAsync(path, new ByteArrayContent(body), token: null, operationId: true);

    private async Task<(int Status, string Body)> PostContentAsync(string path, HttpContent? content, string? token, bool operationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (operationId)
        {
            request.Headers.Add("operationID", "test-op");
        }
        if (token is not null)
        {
            request.Headers.Add("token", token);
        }
        using var response = await CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// POSTs <paramref name="body"/> as JSON from the client address <paramref name="address"/> (the in-memory host has
    /// no socket), with an X-Forwarded-For header when given; returns the status, the envelope and Retry-After.
    /// </summary>
    public async Task<(int Status, ApiAnswer Answer, string RetryAfter)> PostFromAsync(string address, string path, object body,
        string? forwardedFor = null, bool operationId = true)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(body);
        var context = await Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            c.Request.Method = HttpMethod.Post.Method;
            c.Request.Path = path;
            c.Request.ContentType = "application/json";
            c.Request.ContentLength = json.Length;
            c.Request.Body = new MemoryStream(json);
            if (operationId)
            {
                c.Request.Headers["operationID"] = "test-op";
            }
            if (forwardedFor is not null)
            {
                c.Request.Headers["X-Forwarded-For"] = forwardedFor;
            }
        }, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(context.Response.Body);
        var text = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        return (context.Response.StatusCode, new ApiAnswer(JsonDocument.Parse(text).RootElement.Clone(), text),
            context.Response.Headers.RetryAfter.ToString());
    }

    /// <summary>POSTs <paramref name="body"/> as JSON and parses the envelope.</summary>
    public async Task<ApiAnswer> PostAsync(string path, object body, string? token = null)
    {
        var (status, text) = await PostRawAsync(path, JsonSerializer.Serialize(body), token);
        Assert.Equal(200, status);
        return new ApiAnswer(JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    public async Task<string> AdminTokenAsync(string adminId = Admin) =>
        (await PostAsync("/auth/get_admin_token", new { secret = Secret, userID = adminId })).Token;

    public async Task<string> UserTokenAsync(string userId, int platformId) =>
        (await PostAsync("/auth/user_token", new { secret = Secret, platformID = platformId, userID = userId })).Token;

    /// <summary>A WebSocket to the gateway of this app, which listens on a loopback port even though the API is in memory.</summary>
    public async Task<GatewayClient> ConnectGatewayAsync(string query)
    {
        _ = Server; // starts the host, and with it the gateway listener
        return await GatewayClient.ConnectAsync($"ws://127.0.0.1:{GatewayPort}/{query}");
    }

    public async Task RegisterAsync(params string[] userIds)
    {
        var users = userIds.Select(id => new { userID = id, nickname = "nick-" + id, faceURL = "", ex = "" }).ToArray();
        (await PostAsync("/user/user_register", new { secret = Secret, users })).AssertOk();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>A parsed OpenIM envelope.</summary>
public sealed record ApiAnswer(JsonElement Root, string Text)
{
    public int ErrCode => Root.GetProperty("errCode").GetInt32();

    public JsonElement Data => Root.GetProperty("data");

    public string Token => Data.GetProperty("token").GetString()!;

    public bool HasData => Root.TryGetProperty("data", out _);

    public void AssertOk() => Assert.True(ErrCode == 0, Text);

    public void AssertError(int code)
    {
        Assert.True(ErrCode == code, $"expected errCode {code}: {Text}");
        Assert.False(HasData, Text);
    }
}
