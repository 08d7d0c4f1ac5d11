using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenImAuth.Server.Hosting;
using OpenImAuth.Server.Http;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary>The per-request lines' writer: the console logger's format, whole lines per write, nothing left at a stop.</summary>
public sealed partial class BatchedRequestLogProviderTests
{
    [Fact]
    public void Dispose_WritesEveryQueuedLine_InOrder_AsTheJsonFormatterWritesIt()
    {
        // Arrange
        var output = new RecordingStream();
        using var services = Services(logging => logging.AddJsonConsole());
        var provider = Create(services, output);
        var logger = provider.CreateLogger(RequestLog.Category);

        // Act: lines logged and the provider stopped at once, before its writer's first tick
        for (var i = 0; i < 50; i++)
        {
            var id = $"op-{i}";
            LogRequest(logger, id);
        }
        provider.Dispose();

        // Assert
        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"op-{i}"),
            lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("State").GetProperty("operationID").GetString()));
        Assert.All(lines, line => Assert.Contains($"\"Category\":\"{RequestLog.Category}\"", line, StringComparison.Ordinal));
    }

    [Fact]
    public void EachWrite_IsWholeLines_OfAtMostPipeBufBytes()
    {
        // Arrange: lines of about 200 bytes, far more than one write may carry
        var output = new RecordingStream();
        using var services = Services(logging => logging.AddJsonConsole());
        var provider = Create(services, output);
        var logger = provider.CreateLogger(RequestLog.Category);

        // Act
        for (var i = 0; i < 500; i++)
        {
            var id = $"op-{i}";
            LogPadded(logger, id, Padding);
        }
        provider.Dispose();

        // Assert: several writes, each at most 4,096 bytes and ending at a line's end, together every line
        Assert.True(output.Writes.Count > 10, $"{output.Writes.Count} writes");
        Assert.All(output.Writes, write =>
        {
            Assert.InRange(write.Length, 1, 4096);
            Assert.Equal((byte)'\n', write[^1]);
        });
        Assert.Equal(500, output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void OtherCategories_AreNotItsToWrite()
    {
        var output = new RecordingStream();
        using var services = Services(logging => logging.AddConsole());
        var provider = Create(services, output);

        var other = provider.CreateLogger("OpenImAuth.Configuration");
        var requests = provider.CreateLogger(RequestLog.Category);
        LogRequest(other, "not-a-request");
        LogRequest(requests, "a-request");
        provider.Dispose();

        Assert.DoesNotContain("not-a-request", output.Text, StringComparison.Ordinal);
        Assert.Contains(RequestLog.Category, output.Text, StringComparison.Ordinal); // the text formatter's header
        Assert.Contains("request a-request", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void WhileOutputIsStuck_LinesPastTheBound_AreDroppedAndCounted()
    {
        // Arrange: an output whose first write blocks until released, and a bound of 100 waiting lines
        using var output = new StuckStream();
        using var services = Services(logging => logging.AddJsonConsole());
        var provider = Create(services, output, maxQueuedLines: 100);
        var logger = provider.CreateLogger(RequestLog.Category);
        LogRequest(logger, "first");
        Assert.True(output.Entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the writer's first write");

        // Act: 150 more lines while that write is stuck, then the output moves again
        for (var i = 0; i < 150; i++)
        {
            var id = $"op-{i}";
            LogRequest(logger, id);
        }
        output.Release.Set();
        provider.Dispose();

        // Assert: the first line, the 100 that fit, and one warning that counts the other 50
        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(102, lines.Count);
        Assert.Equal(["first", .. Enumerable.Range(0, 100).Select(i => $"op-{i}")], lines
            .Where(line => line.GetProperty("LogLevel").GetString() == "Information")
            .Select(line => line.GetProperty("State").GetProperty("operationID").GetString()));
        var warning = Assert.Single(lines, line => line.GetProperty("LogLevel").GetString() == "Warning");
        Assert.StartsWith("50 request log lines dropped", warning.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrite_WaitsForTheConsoleWritersLine_ThatIsHalfWritten()
    {
        // Arrange: a console writer as Console.Out is one (synchronized, 256 bytes to the stream at a time) on the same
        // output, stuck after the first piece of a 600-byte line
        using var output = new HalfLineStream();
        using var console = TextWriter.Synchronized(new StreamWriter(output, bufferSize: 256) { AutoFlush = true });
        using var services = Services(logging => logging.AddJsonConsole());
        var provider = Create(services, output, outputLock: console);
        var logger = provider.CreateLogger(RequestLog.Category);
        var contentionsBefore = Monitor.LockContentionCount;
        var consoleLine = Task.Run(() => console.Write(new string('c', 599) + "\n"), TestContext.Current.CancellationToken);
        output.HalfWritten.Wait(TestContext.Current.CancellationToken);

        // Act: a request line, written out at the stop, while the console's line is half written
        LogRequest(logger, "between");
        var stopped = Task.Run(provider.Dispose, TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => Task.FromResult(output.WroteMidLine || Monitor.LockContentionCount > contentionsBefore),
            waited => waited, TimeSpan.FromSeconds(30), "the request line's write");
        output.Release.Set();
        await Task.WhenAll(consoleLine, stopped);

        // Assert: the console's line whole, then the request line
        Assert.False(output.WroteMidLine, "the request line was written between the pieces of the console's line");
        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([new string('c', 599), "between"], lines.Select(line => line.StartsWith('{')
            ? JsonDocument.Parse(line).RootElement.GetProperty("State").GetProperty("operationID").GetString()
            : line));
    }

    private static readonly string Padding = new('x', 120);

    [LoggerMessage(Level = LogLevel.Information, Message = "request {operationID}")]
    private static partial void LogRequest(ILogger logger, string operationID);

    [LoggerMessage(Level = LogLevel.Information, Message = "request {operationID} {padding}")]
    private static partial void LogPadded(ILogger logger, string operationID, string padding);

    private static ServiceProvider Services(Action<ILoggingBuilder> configure) =>
        new ServiceCollection().AddLogging(configure).BuildServiceProvider();

    private static BatchedRequestLogProvider Create(ServiceProvider services, Stream output,
        int maxQueuedLines = BatchedRequestLogProvider.DefaultMaxQueuedLines, object? outputLock = null)
    {
        outputLock ??= new object();
        return new(services.GetServices<ConsoleFormatter>(), services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), output,
            () => outputLock, maxQueuedLines);
    }

    /// <summary>Its first write waits until <see cref="Release"/> is set, as a pipe nobody reads would.</summary>
    private sealed class StuckStream : MemoryStream
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public string Text => Encoding.UTF8.GetString(ToArray());

        public override void Write(byte[] buffer, int offset, int count)
        {
            Entered.Set();
            Release.Wait();
            base.Write(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            Entered.Dispose();
            Release.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Holds the first write of a line until <see cref="Release"/>; notes a write from elsewhere meanwhile.</summary>
    private sealed class HalfLineStream : MemoryStream
    {
        private readonly Lock _gate = new();
        private int? _lineWriter; // the thread whose line is half written

        public ManualResetEventSlim HalfWritten { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public bool WroteMidLine { get; private set; }

        public string Text
        {
            get { lock (_gate) { return Encoding.UTF8.GetString(ToArray()); } }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            bool first;
            var thread = Environment.CurrentManagedThreadId;
            lock (_gate)
            {
                if (_lineWriter is { } writer && writer != thread)
                {
                    WroteMidLine = true;
                }
                first = !HalfWritten.IsSet;
                base.Write(buffer, offset, count);
                _lineWriter = buffer[offset + count - 1] == (byte)'\n' ? null : thread;
            }
            if (first)
            {
                HalfWritten.Set();
                Release.Wait();
            }
        }

        protected override void Dispose(bool disposing)
        {
            HalfWritten.Dispose();
            Release.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Keeps each write as it came.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public string Text => Encoding.UTF8.GetString(ToArray());

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes.Add(buffer.AsSpan(offset, count).ToArray());
            base.Write(buffer, offset, count);
        }
    }
}
