using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>A log line as the in-memory host wrote it.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message);

/// <summary>Keeps every log line the in-memory host writes (at its minimum level and up), for tests that check them.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _lines = new();

    public IReadOnlyList<CapturedLog> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception)));
    }
}
