using Microsoft.Extensions.Options;
using OpenImAuth.Server.AdminConsole;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Auth;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Gateway;
using OpenImAuth.Server.Health;
using OpenImAuth.Server.Hosting;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Security;
using OpenImAuth.Server.Sessions;
using OpenImAuth.Server.Users;

// --help prints how to run and every setting, and binds nothing. An argument the host's own reading of the arguments
// would throw on is named before it can.
if (CommandLineHelp.IsRequested(args))
{
    CommandLineHelp.Write(Console.Out);
    return 0;
}
if (ConfigurationSources.CheckArguments(args) is { } argumentError)
{
    return StartupErrors.Report([argumentError]);
}

// The slim builder: no host filtering, HTTPS or extra log providers, none of which this server uses, and less work
// per request and per connection.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });

// Configuration: config/config.yaml (or --config), then OPENIMAUTH_* variables, then --key=value.
var sources = ConfigurationSources.Apply(builder.Configuration, args);
if (sources.Error is { } configError)
{
    return StartupErrors.Report([configError]);
}

// Logs: text or JSON lines from log.level up, one per request of our own instead of the framework's.
builder.Logging.UseConfiguredLogging(builder.Configuration);
// Health checks log an error on every poll that finds a store down; readiness logs each store going down and back.
builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);

// Services: settings (secret and previousSecrets reload when the config file changes), token and user logic, the
// stores (each backend under its storage.kind; the settings pick one, opened as the host starts), the gateway (its
// listener accepts the WebSocket connections); the API reference, health and metrics; Kestrel's ports.
builder.Services.AddOpenImAuth();
builder.Services.AddSqliteStores();
builder.Services.AddRedisStores();
builder.Services.AddOpenImGateway();
builder.Services.AddSecretReload(args);
builder.Services.AddOpenImApiReference();
builder.Services.AddOpenImHealth();
builder.Services.AddOpenImMetrics();
builder.Services.ListenOnConfiguredPorts();

var app = builder.Build();

// Bad configuration stops start-up with the key to fix (docs/decisions.md, D11); a setting that works but should
// change, or one the server does not read at all, is a warning. The settings' start-up validation runs here rather
// than inside StartAsync, so that nothing (the port probe, the store) runs on settings that were refused.
var warnings = (string[])[.. sources.UnknownSettings, .. app.Services.GetRequiredService<ServerSettingsRead>().Warnings];
try
{
    app.Services.GetRequiredService<IStartupValidator>().Validate();
}
catch (OptionsValidationException invalid)
{
    return StartupErrors.Report(invalid.Failures, warnings);
}
var settings = app.Services.GetRequiredService<ServerSettings>();
StartupErrors.LogWarnings(app.Services.GetRequiredService<ILoggerFactory>(), warnings);
// A port that another process holds is the operator's to fix, like bad configuration: say which, and no stack
// trace. The probe finds the usual case before the store opens (StoreLifecycle, as the host starts); the catch below
// covers a port taken between the probe and the bind.
if (PortsInUse.Find(settings) is { Count: > 0 } taken)
{
    await app.DisposeAsync();
    return StartupErrors.Report(taken);
}

// HTTP: prometheus.port's /metrics (if set), the client behind trusted proxies, OpenIM's CORS and OPTIONS, the rate
// limit when set, then one group per OpenIM module, the API reference, the admin console, the health endpoints and
// /metrics (without prometheus.port), then 404 for the rest.
app.UseOpenImMetrics(settings.Prometheus);
app.UseTrustedProxies(settings.Security);
app.UseRouting();
app.UseMiddleware<OpenImHeaders>();
app.UseRateLimit(settings.Security);
app.MapAuthEndpoints();
app.MapSessionEndpoints();
app.MapUserEndpoints();
app.MapAuditEndpoints();
app.MapOpenImApiReference();
app.MapConsole();
app.MapOpenImHealth();
app.MapOpenImMetrics(settings.Prometheus);
app.MapFallback(RequestLog.NotFoundAsync);

try
{
    await app.StartAsync();
}
catch (Exception ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
                           || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
{
    await app.DisposeAsync();
    return StartupErrors.Report([$"{ex.Message} (api.openImApiPort, longConnSvr.openImWsPort and prometheus.port choose the ports)"]);
}
// SIGTERM: Kestrel stops accepting and lets requests in flight finish, the gateway closes its connections with 1001,
// both within api.shutdownTimeoutSeconds; then disposing closes the store (StoreLifecycle), whose writer commits what
// is queued.
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
