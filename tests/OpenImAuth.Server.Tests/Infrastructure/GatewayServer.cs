using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// A real server process with its API and gateway ports, shared by the tests of a class (<c>IClassFixture</c>). Tests
/// keep out of each other's way by using users of their own (<see cref="NewUserAsync"/>).
/// </summary>
public class GatewayServer : IAsyncLifetime
{
    public const string Secret = "openIM123";
    public const string Admin = "imAdmin";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-gateway-");
    private ServerProcess? _process;
    private int _users;

    public ServerProcess Process => _process ?? throw new InvalidOperationException("the server is not started");

    /// <summary>Settings of this server beyond its ports and data directory, as <c>--key=value</c> arguments.</summary>
    protected virtual IReadOnlyList<string> Settings => [];

    /// <summary>Starts a server of its own with <paramref name="settings"/>; the caller disposes it.</summary>
    public static async Task<GatewayServer> StartAsync(params string[] settings)
    {
        var server = new CustomGatewayServer(settings);
        await server.InitializeAsync();
        return server;
    }

    public async ValueTask InitializeAsync() =>
        _process = await ServerProcess.StartOnFreePortsAsync(_directory.FullName,
            [$"--storage.dataDir={Path.Combine(_directory.FullName, "data")}", .. Settings]);

    /// <summary>The gateway URL with <paramref name="query"/>, as the JS SDK builds it (no encoding).</summary>
    public string Url(string query, string path = "/") => $"{Process.GatewayAddress}{path}{query}";

    /// <summary>Registers a user no other test uses.</summary>
    public async Task<string> NewUserAsync(string prefix = "gw")
    {
        var userId = $"{prefix}{Interlocked.Increment(ref _users)}";
        var users = new[] { new { userID = userId, nickname = userId } };
        (await Process.PostAsync("/user/user_register", new { secret = Secret, users })).AssertOk();
        return userId;
    }

    public async Task<string> TokenAsync(string userId, int platformId) =>
        (await Process.PostAsync("/auth/user_token", new { secret = Secret, platformID = platformId, userID = userId })).Token;

    public async Task<string> AdminTokenAsync() =>
        (await Process.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = Admin })).Token;

    public async Task ForceLogoutAsync(string userId, int platformId, string? adminToken = null) =>
        (await Process.PostAsync("/auth/force_logout", new { platformID = platformId, userID = userId },
            adminToken ?? await AdminTokenAsync())).AssertOk();

    /// <summary>A token with a good signature that expired an hour ago (the minimum lifetime is a day, so none can be waited for).</summary>
    public static string ExpiredToken(string userId, int platformId) =>
        new TokenCodec(Secret).Sign(userId, platformId, DateTimeOffset.UtcNow.AddDays(-1).AddHours(-1), TimeSpan.FromDays(1), TokenFormat.WithNotBefore);

    public Task<GatewayClient> ConnectAsync(string userId, string token, int platformId, bool isMsgResp = true) =>
        GatewayClient.ConnectAsync(Url(GatewayClient.SdkQuery(userId, token, platformId, isMsgResp)));

    /// <summary>Connects with a fresh token and checks the logged-in frame.</summary>
    public async Task<(GatewayClient Client, string Token)> LoginAsync(string userId, int platformId)
    {
        var token = await TokenAsync(userId, platformId);
        var client = await ConnectAsync(userId, token, platformId);
        await client.ExpectLoggedInAsync();
        return (client, token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        _directory.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    private sealed class CustomGatewayServer(IReadOnlyList<string> settings) : GatewayServer
    {
        protected override IReadOnlyList<string> Settings => settings;
    }
}
