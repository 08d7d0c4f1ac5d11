using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Hosting;

internal static class LoggingSetup
{
    /// <summary>
    /// Console lines as text or one JSON object each (UTC timestamps), from <c>log.level</c> up. Read before the host
    /// is built; a bad value is reported by <see cref="ServerSettings.Load"/>, which stops start-up.
    /// </summary>
    public static void UseConfiguredLogging(this ILoggingBuilder logging, IConfiguration configuration)
    {
        var settings = LogSettings.Read(new SettingsReader(configuration));
        if (settings.Json)
        {
            logging.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                options.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddConsole();
        }
        // The per-request lines go through a writer of their own, in batches (see BatchedRequestLogProvider for why).
        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, BatchedRequestLogProvider>());
        logging.AddFilter<ConsoleLoggerProvider>(RequestLog.Category, LogLevel.None);
        logging.SetMinimumLevel(settings.Level);
        // Per-request framework logs would cost more than the requests themselves (we write one line per request of
        // our own instead). With its category on at any level, hosting also creates an Activity and a log scope for
        // every request, which an upgraded gateway connection keeps for its whole life; Kestrel still logs unhandled
        // exceptions under its own category.
        logging.AddFilter("Microsoft.AspNetCore", settings.Level > LogLevel.Warning ? settings.Level : LogLevel.Warning);
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
    }
}
