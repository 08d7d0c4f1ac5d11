using OpenImAuth.Server.Auth;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Hosting;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Security;
using OpenImAuth.Server.Users;

// The slim builder: no host filtering, HTTPS or extra log providers, none of which this server uses, and less work
// per request and per connection.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });

// Configuration: config/config.yaml (or --config), then OPENIMAUTH_* variables, then --key=value.
if (ConfigurationSources.Apply(builder.Configuration, args) is { } configError)
{
    return StartupErrors.Report([configError]);
}

// Logs: text or JSON lines from log.level up, one per request of our own instead of the framework's.
builder.Logging.UseConfiguredLogging(builder.Configuration);

// Services: settings, the embedded store, token and user logic, the gateway.
builder.Services.AddOpenImAuth();
builder.Services.AddOpenImApiReference();
builder.WebHost.ListenOnConfiguredPorts();

var app = builder.Build();

// Bad configuration stops start-up with the key to fix (docs/decisions.md, D11).
var (settings, errors) = ServerSettings.Load(app.Configuration);
if (settings is null)
{
    return StartupErrors.Report(errors);
}
// A port that another process holds is the operator's to fix, like bad configuration: say which, and no stack
// trace. The probe finds the usual case before the store opens; the catch below covers a port taken between the
// probe and the bind.
if (PortsInUse.Find(settings) is { Count: > 0 } taken)
{
    await app.DisposeAsync();
    return StartupErrors.Report(taken);
}
await app.Services.GetRequiredService<StorageHost>().OpenAsync(settings, app.Lifetime.ApplicationStopping);

// HTTP: the client behind trusted proxies, OpenIM's CORS and OPTIONS, the rate limit when set, then one group per
// OpenIM module and the API reference, then 404 for the rest.
app.UseTrustedProxies(settings.Security);
app.UseRouting();
app.UseMiddleware<OpenImHeaders>();
app.UseRateLimit(settings.Security);
app.MapAuthEndpoints();
app.MapUserEndpoints();
app.MapOpenImApiReference();
app.MapFallback(RequestLog.NotFoundAsync);

try
{
    await app.StartAsync();
}
catch (Exception ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
                           || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
{
    await app.DisposeAsync();
    return StartupErrors.Report([$"{ex.Message} (api.openImApiPort and longConnSvr.openImWsPort choose the ports)"]);
}
await app.WaitForShutdownAsync();
return 0;
