using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Writes the per-request lines (category <see cref="RequestLog.Category"/>) to standard output in batches, formatted
/// by the console logger's own formatter (text or JSON, with its options), so they read exactly as its lines do.
/// Why: through the console logger each line cost the request about 10 µs, a quarter of a token check, mostly the
/// hand-off of every line to its writer thread (docs/benchmarks.md, the request log). Here a request only formats its
/// line and queues it; a writer wakes every <see cref="FlushInterval"/> and writes what is queued. Cost: a line
/// appears up to that much later, and lines still queued when the process is killed are lost (the console logger
/// loses its queue too). While standard output does not keep up (a reader that stopped reading), at most
/// <see cref="DefaultMaxQueuedLines"/> lines wait; later ones are dropped and counted in a Warning line, where the
/// console logger would hold every request up. Every other category stays on the console logger.
/// </summary>
internal sealed class BatchedRequestLogProvider : ILoggerProvider, ISupportExternalScope
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    // A pipe takes a write of up to 4,096 bytes whole (PIPE_BUF), so a batch written in chunks no larger, each
    // ending at a line's end, never splits a line around one that another process writes to the same pipe.
    private const int ChunkBytes = 4096;

    public const int DefaultMaxQueuedLines = 65_536;

    private readonly ConsoleFormatter _formatter;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private readonly Stream _output;
    private readonly Func<object> _outputLock;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private readonly int _maxQueuedLines;
    private int _queuedLines;
    private int _droppedLines;
    private IExternalScopeProvider? _scopes;

    public BatchedRequestLogProvider(IEnumerable<ConsoleFormatter> formatters, IOptionsMonitor<ConsoleLoggerOptions> options)
        : this(formatters, options, Console.OpenStandardOutput(), static () => Console.Out, DefaultMaxQueuedLines)
    {
    }

    /// <summary>For tests: <paramref name="outputLock"/> is what each write locks (in production Console.Out, see WriteOut).</summary>
    internal BatchedRequestLogProvider(IEnumerable<ConsoleFormatter> formatters, IOptionsMonitor<ConsoleLoggerOptions> options, Stream output,
        Func<object> outputLock, int maxQueuedLines)
    {
        _outputLock = outputLock;
        _maxQueuedLines = maxQueuedLines;
        var name = options.CurrentValue.FormatterName ?? ConsoleFormatterNames.Simple;
        var all = formatters.ToList();
        _formatter = all.FirstOrDefault(f => f.Name == name) ?? all.First(f => f.Name == ConsoleFormatterNames.Simple);
        _output = output;
        _writer = Task.Run(WriteUntilStoppedAsync);
    }

    public ILogger CreateLogger(string categoryName) =>
        categoryName == RequestLog.Category ? new Logger(this) : NullLogger.Instance;

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Writes what is queued and stops; the host disposes its providers as it stops.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _writer.GetAwaiter().GetResult();
        _stopping.Dispose();
    }

    private async Task WriteUntilStoppedAsync()
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                WriteQueued();
            }
        }
        catch (OperationCanceledException)
        {
        }
        WriteQueued();
    }

    private void Enqueue(string line)
    {
        if (Interlocked.Increment(ref _queuedLines) > _maxQueuedLines)
        {
            Interlocked.Decrement(ref _queuedLines);
            Interlocked.Increment(ref _droppedLines);
            return;
        }
        _lines.Enqueue(line);
    }

    // Only the writer's loop (and its last round, after the loop) touches the chunk.
    private void WriteQueued()
    {
        if (Interlocked.Exchange(ref _droppedLines, 0) is > 0 and var dropped)
        {
            _lines.Enqueue(Format(LogLevel.Warning, default, $"{dropped} request log lines dropped: standard output did not keep up",
                null, static (message, _) => message));
            Interlocked.Increment(ref _queuedLines);
        }
        var used = 0;
        while (_lines.TryDequeue(out var line))
        {
            Interlocked.Decrement(ref _queuedLines);
            var length = Encoding.UTF8.GetByteCount(line);
            if (used + length > ChunkBytes)
            {
                WriteOut(_chunk.AsSpan(0, used));
                used = 0;
            }
            if (length > ChunkBytes)
            {
                WriteOut(Encoding.UTF8.GetBytes(line)); // a line longer than a chunk goes alone
                continue;
            }
            used += Encoding.UTF8.GetBytes(line, _chunk.AsSpan(used));
        }
        WriteOut(_chunk.AsSpan(0, used));
    }

    private void WriteOut(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        try
        {
            // The console logger writes each of its lines in one call on Console.Out, which holds its own lock for the
            // call (it locks on itself so that other writers can share it), but hands the stream 256 bytes at a time:
            // a batch of ours written between those pieces would cut a longer line of its in two.
            lock (_outputLock())
            {
                _output.Write(bytes);
                _output.Flush();
            }
        }
        catch (IOException)
        {
            // Standard output closed (the reader went away): the lines have nowhere to go, as on the console logger.
        }
    }

    private sealed class Logger(BatchedRequestLogProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (provider.Format(logLevel, eventId, state, exception, formatter) is { Length: > 0 } line)
            {
                provider.Enqueue(line);
            }
        }
    }

    [ThreadStatic]
    private static StringWriter? t_text;

    private string Format<TState>(LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var text = t_text ??= new StringWriter();
        _formatter.Write(new LogEntry<TState>(level, RequestLog.Category, eventId, state, exception, formatter), _scopes, text);
        var builder = text.GetStringBuilder();
        var line = builder.ToString();
        builder.Clear();
        if (builder.Capacity > 16 * 1024)
        {
            builder.Capacity = 1024; // one long line (an unknown route's path) does not stay held per thread
        }
        return line;
    }
}
