using System.Net;
using OpenImAuth.Core;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Server.Configuration;

/// <summary>Every setting the server runs on, read from configuration and validated once, at start-up.</summary>
internal sealed record ServerSettings(
    AuthOptions Auth,
    IPAddress ListenIp,
    IReadOnlyList<int> ApiPorts,
    string StorageKind,
    string DataDirectory,
    int MaxRequestBodyBytes,
    RedisSettings Redis,
    string PostgresConnectionString,
    GatewaySettings Gateway,
    SecuritySettings Security,
    LogSettings Log)
{
    public const string SqliteKind = "sqlite";
    public const string RedisKind = "redis";

    public const string DefaultSecret = "openIM123";

    /// <summary>Reads and validates; every problem is reported with the key to fix, and nothing is half-loaded.</summary>
    public static (ServerSettings? Settings, IReadOnlyList<string> Errors) Load(IConfiguration configuration)
    {
        var read = new SettingsReader(configuration);
        var secret = read.String("secret", DefaultSecret);
        if (secret.Length == 0)
        {
            read.Fail("secret", "must not be empty");
        }
        var expireDays = read.Int("tokenPolicy:expire", 90, 1, 36500);
        var policy = read.Int("multiLoginPolicy", 1, int.MinValue, int.MaxValue);
        if (!Enum.IsDefined((MultiLoginPolicy)policy))
        {
            read.Fail("multiLoginPolicy", $"{policy} is not a supported policy; use 0 (no kick), 1 (same platform kicks), 4 (same class kicks) or 5 (PC and one other)");
        }
        var maxNumOneEnd = read.Int("multiLogin:maxNumOneEnd", 30, 1, 10000);
        var admins = ReadAdmins(read);
        var profile = read.String("compat:profile", "v3") switch
        {
            "v3" => CompatProfile.V3,
            "v3.8" => CompatProfile.V3Point8,
            var other => read.Fail("compat:profile", $"'{other}' is not a profile; use v3 or v3.8", CompatProfile.V3),
        };
        var listenIp = read.IpAddress("api:listenIP", IPAddress.Loopback);
        var ports = read.IntList("api:openImApiPort", [10002], 1, 65535);
        var storageKind = read.String("storage:kind", SqliteKind);
        if (storageKind is not (SqliteKind or RedisKind))
        {
            read.Fail("storage:kind", $"'{storageKind}' is not a store; use sqlite (one machine) or redis (Redis + PostgreSQL, scale-out)");
        }
        var redis = RedisSettings.Read(read);
        var postgres = read.String("postgres:connectionString", "");
        if (storageKind == RedisKind && postgres.Length == 0)
        {
            read.Fail("postgres:connectionString", "is required with storage.kind redis (users live in PostgreSQL), e.g. Host=127.0.0.1;Username=openim;Password=...;Database=openim");
        }
        var dataDirectory = read.String("storage:dataDir", "./data");
        if (dataDirectory.Length == 0)
        {
            read.Fail("storage:dataDir", "must not be empty");
        }
        var maxBody = read.Int("api:maxRequestBodyBytes", 1 << 20, 1024, 64 << 20);
        var gateway = GatewaySettings.Read(read, ports);
        var security = SecuritySettings.Read(read);
        var log = LogSettings.Read(read);
        if (secret == DefaultSecret && !IPAddress.IsLoopback(listenIp))
        {
            read.Fail("secret", $"the default secret '{DefaultSecret}' is only allowed on a loopback address, and api.listenIP (the API's and the gateway's) is {listenIp}; " +
                "set your own secret in config/config.yaml (secret: ...) or in the environment (OPENIMAUTH_secret=...)");
        }
        if (read.Errors.Count > 0)
        {
            return (null, read.Errors);
        }
        var auth = new AuthOptions(secret, expireDays, (MultiLoginPolicy)policy, maxNumOneEnd, admins, profile);
        return (new ServerSettings(auth, listenIp, ports, storageKind, dataDirectory, maxBody, redis, postgres, gateway,
            security, log), []);
    }

    /// <summary>The same as <see cref="Load"/>, for service registration after start-up already validated.</summary>
    public static ServerSettings LoadValid(IConfiguration configuration) =>
        Load(configuration).Settings ?? throw new InvalidOperationException("configuration is invalid; start-up should have stopped");

    private static List<AdminAccount> ReadAdmins(SettingsReader read)
    {
        // OpenIM v3.0–v3.6 names its administrators under manager, v3.7+ under imAdminUserID; both are admins here.
        var managerIds = read.StringList("manager:userID", ["openIM123456", "openIM654321", "openIMAdmin"]);
        var managerNames = read.StringList("manager:nickname", ["system1", "system2", "system3"]);
        var imAdminIds = read.StringList("imAdminUserID", ["imAdmin"]);
        var admins = new List<AdminAccount>();
        for (var i = 0; i < managerIds.Count; i++)
        {
            admins.Add(new AdminAccount(managerIds[i], i < managerNames.Count ? managerNames[i] : managerIds[i]));
        }
        admins.AddRange(imAdminIds.Select(id => new AdminAccount(id, id)));
        foreach (var admin in admins.Where(a => a.UserId.Length == 0 || a.UserId.Contains(':', StringComparison.Ordinal)))
        {
            read.Fail("manager.userID / imAdminUserID", $"'{admin.UserId}' is not a valid userID");
        }
        return admins.DistinctBy(a => a.UserId).ToList();
    }
}
