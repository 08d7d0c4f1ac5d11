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
    int PostgresTimeoutMs,
    GatewaySettings Gateway,
    int ShutdownTimeoutSeconds,
    PrometheusSettings Prometheus,
    SecuritySettings Security,
    LogSettings Log,
    AuditSettings Audit)
{
    public const string SqliteKind = "sqlite";
    public const string RedisKind = "redis";

    /// <summary>How long a request waits for PostgreSQL by default before it answers that PostgreSQL is unavailable.</summary>
    public const int DefaultPostgresTimeoutMs = 2000;

    public const string DefaultSecret = "openIM123";

    /// <summary>Secrets shorter than this are weak: a warning on loopback, refused beyond it (unless allowed).</summary>
    public const int StrongSecretLength = 16;

    /// <summary>
    /// Reads and validates; every problem is reported with the key to fix, and nothing is half-loaded. Warnings are
    /// for settings that work but should be changed (start-up logs them).
    /// </summary>
    public static (ServerSettings? Settings, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Load(IConfiguration configuration)
    {
        var read = ReadAll(configuration);
        return (read.Errors.Count == 0 ? read.AsRead : null, read.Errors, read.Warnings);
    }

    /// <summary>
    /// The same reading, with the settings built even when a key failed (each such key at its fallback): what the
    /// options pipeline starts from before its validation refuses them (<see cref="ServerSettingsValidator"/>).
    /// </summary>
    public static ServerSettingsRead ReadAll(IConfiguration configuration)
    {
        var read = new SettingsReader(configuration);
        return new ServerSettingsRead(Read(read), read.Errors, read.Warnings);
    }

    /// <summary>Every key the server reads, with its default and meaning, in the order read (for --help and warnings).</summary>
    public static IReadOnlyList<SettingDescription> Describe()
    {
        var read = new SettingsReader(new ConfigurationBuilder().Build());
        Read(read);
        return read.Described;
    }

    private static ServerSettings Read(SettingsReader read)
    {
        var secret = read.String("secret", DefaultSecret, "shared secret of the app server; off loopback the default is refused, and so is a weak one unless security.allowWeakSecret");
        if (secret.Length == 0)
        {
            read.Fail("secret", "must not be empty");
        }
        var previousSecrets = read.StringList("previousSecrets", [],
            "secrets of before a rotation: tokens they signed stay valid and the secret routes accept them (audited), they sign nothing; reloaded with secret when config.yaml changes");
        var expireDays = read.Int("tokenPolicy:expire", 90, 1, 36500, "token lifetime in days");
        var maxExpireSeconds = read.Long("tokenPolicy:maxExpireSeconds", expireDays * 86400L, "tokenPolicy.expire in seconds",
            1, 36500 * 86400L, "longest lifetime in seconds a token route's expireTimeSeconds may ask for");
        var policy = read.Int("multiLoginPolicy", 1, int.MinValue, int.MaxValue,
            "0 keep all (up to maxNumOneEnd per platform), 1 one per platform, 4 one per platform class, 5 PC plus one other");
        if (!Enum.IsDefined((MultiLoginPolicy)policy))
        {
            read.Fail("multiLoginPolicy", $"{policy} is not a supported policy; use 0 (no kick), 1 (same platform kicks), 4 (same class kicks) or 5 (PC and one other)");
        }
        var maxNumOneEnd = read.Int("multiLogin:maxNumOneEnd", 30, 1, 10000, "tokens per platform under policy 0");
        var admins = ReadAdmins(read);
        var profile = read.String("compat:profile", "v3", "v3 (OpenIM v3.0-v3.8.0 shapes) or v3.8 (v3.8.1+ shapes)") switch
        {
            "v3" => CompatProfile.V3,
            "v3.8" => CompatProfile.V3Point8,
            var other => read.Fail("compat:profile", $"'{other}' is not a profile; use v3 or v3.8", CompatProfile.V3),
        };
        var listenIp = read.IpAddress("api:listenIP", IPAddress.Loopback, "address the API and the gateway listen on");
        var ports = read.IntList("api:openImApiPort", [10002], 1, 65535, "API ports");
        var storageKind = read.String("storage:kind", SqliteKind, "sqlite (one machine) or redis (Redis + PostgreSQL, scale-out)");
        if (storageKind is not (SqliteKind or RedisKind))
        {
            read.Fail("storage:kind", $"'{storageKind}' is not a store; use sqlite (one machine) or redis (Redis + PostgreSQL, scale-out)");
        }
        var redis = RedisSettings.Read(read);
        var postgres = read.String("postgres:connectionString", "", "Npgsql connection string for the users table (required with storage.kind redis)");
        if (storageKind == RedisKind && postgres.Length == 0)
        {
            read.Fail("postgres:connectionString", "is required with storage.kind redis (users live in PostgreSQL), e.g. Host=127.0.0.1;Username=openim;Password=...;Database=openim");
        }
        var postgresTimeoutMs = read.Int("postgres:timeoutMs", DefaultPostgresTimeoutMs, 1, 600_000,
            "milliseconds a request waits for PostgreSQL before it answers that PostgreSQL is unavailable");
        var dataDirectory = read.String("storage:dataDir", "./data", "where the SQLite file openimauth.db lives");
        if (dataDirectory.Length == 0)
        {
            read.Fail("storage:dataDir", "must not be empty");
        }
        var maxBody = read.Int("api:maxRequestBodyBytes", 1 << 20, 1024, 64 << 20, "larger bodies get HTTP 413 with an error envelope");
        var shutdownTimeout = read.Int("api:shutdownTimeoutSeconds", 10, 1, 3600,
            "seconds a SIGTERM waits for requests in flight to finish before the process stops");
        var gateway = GatewaySettings.Read(read, ports);
        var prometheus = PrometheusSettings.Read(read, ports, gateway.Ports);
        var security = SecuritySettings.Read(read);
        var log = LogSettings.Read(read);
        var audit = AuditSettings.Read(read);
        var allowWeakSecret = read.Bool("security:allowWeakSecret", false,
            $"accept a weak secret (under {StrongSecretLength} characters, or with whitespace at either end) when api.listenIP is not loopback");
        CheckSecret(read, "secret", secret, listenIp, allowWeakSecret);
        for (var i = 0; i < previousSecrets.Count; i++)
        {
            // A previous secret verifies tokens, so whoever guesses it can mint them as with the current one: the
            // same rules apply, and an empty entry is a slip rather than a secret.
            if (previousSecrets[i].Length == 0)
            {
                read.Fail($"previousSecrets:{i}", "must not be empty");
            }
            CheckSecret(read, $"previousSecrets:{i}", previousSecrets[i], listenIp, allowWeakSecret);
        }
        var auth = new AuthOptions(secret, expireDays, (MultiLoginPolicy)policy, maxNumOneEnd, admins, profile, previousSecrets)
        {
            MaxExpireSeconds = maxExpireSeconds,
        };
        return new ServerSettings(auth, listenIp, ports, storageKind, dataDirectory, maxBody, redis, postgres, postgresTimeoutMs, gateway,
            shutdownTimeout, prometheus, security, log, audit);
    }

    /// <summary>
    /// The secret signs every token, so whoever guesses it can mint tokens for anyone. OpenIM's default is short and
    /// public, and the README's first command runs on it, so a weak secret only warns on loopback; beyond it the
    /// default is always refused and any other weak one unless the operator says so. A previous secret verifies
    /// tokens as well as the current one, so it is held to the same rules. Never prints the secret.
    /// </summary>
    private static void CheckSecret(SettingsReader read, string key, string secret, IPAddress listenIp, bool allowWeakSecret)
    {
        var loopback = IPAddress.IsLoopback(listenIp);
        if (secret == DefaultSecret && !loopback)
        {
            read.Fail(key, $"the default secret '{DefaultSecret}' is only allowed on a loopback address, and api.listenIP (the API's and the gateway's) is {listenIp}; " +
                (key == "secret"
                    ? "set your own secret in config/config.yaml (secret: ...) or in the environment (OPENIMAUTH_secret=...)"
                    : "whoever knows it could mint tokens for every user; take it out of previousSecrets (the tokens it signed stop working)"));
            return;
        }
        var weakness = secret.Length == 0 ? null
            : secret.Length < StrongSecretLength ? $"is shorter than {StrongSecretLength} characters"
            : char.IsWhiteSpace(secret[0]) || char.IsWhiteSpace(secret[^1]) ? "has whitespace at its start or end (which is part of the secret)"
            : null;
        if (weakness is null)
        {
            return;
        }
        if (!loopback && !allowWeakSecret)
        {
            read.Fail(key, $"{weakness}, and api.listenIP is {listenIp}, not loopback; set a secret of {StrongSecretLength} or more characters " +
                "without whitespace at either end, or security.allowWeakSecret: true to accept this one");
            return;
        }
        read.Warn(key, $"{weakness}; whoever guesses it can mint tokens for every user" +
            (loopback ? " (refused once api.listenIP is not loopback, unless security.allowWeakSecret is true)" : ""));
    }

    private static List<AdminAccount> ReadAdmins(SettingsReader read)
    {
        // OpenIM v3.0–v3.6 names its administrators under manager, v3.7+ under imAdminUserID; both are admins here.
        var managerIds = read.StringList("manager:userID", ["openIM123456", "openIM654321", "openIMAdmin"], "administrators (OpenIM v3.0-v3.6 list)");
        var managerNames = read.StringList("manager:nickname", ["system1", "system2", "system3"], "their nicknames, index-aligned");
        var imAdminIds = read.StringList("imAdminUserID", ["imAdmin"], "administrators (OpenIM v3.7+ list)");
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
