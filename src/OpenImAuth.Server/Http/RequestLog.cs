using System.Diagnostics;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Http;

/// <summary>
/// One Information line per answered OpenIM request, with its operationID, route, errCode, elapsed milliseconds and
/// client address as structured properties (fields of their own in JSON lines). Category <c>OpenImAuth.Requests</c>.
/// </summary>
internal sealed partial class RequestLog(ILoggerFactory loggers)
{
    /// <summary>The lines' category, written in batches by <see cref="Hosting.BatchedRequestLogProvider"/>.</summary>
    public const string Category = "OpenImAuth.Requests";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    /// <summary>Logs an answered request begun at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp); nothing is read or allocated when Information is off.</summary>
    public void Answered(HttpContext context, int errCode, long started)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var request = context.Request;
            // Guarded just above; the analyzer does not see a guard around a [LoggerMessage] call (dotnet/sdk#50893).
#pragma warning disable CA1873
            LogAnswered(_logger, request.Path.Value ?? "", errCode, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3),
                request.Headers["operationID"].ToString(), ClientAddress.Of(context));
#pragma warning restore CA1873
        }
    }

    /// <summary>Unknown routes: OpenIM's 404 envelope, logged as every answer is.</summary>
    public static async Task NotFoundAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await OpenImRoutes.NotFoundAsync(context);
        context.RequestServices.GetRequiredService<RequestLog>().Answered(context, ErrorCodes.ArgsError, started);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, SkipEnabledCheck = true,
        Message = "{route} answered errCode {errCode} in {elapsedMs} ms (operationID {operationID}, client {clientAddress})")]
    private static partial void LogAnswered(ILogger logger, string route, int errCode, double elapsedMs, string operationID, string clientAddress);
}
