using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using OpenImAuth.Storage.Redis;
using StackExchange.Redis;

/// <summary>
/// What a request must wait for at the least, beyond bare Kestrel, for the answer our server gives to be right, in
/// the way our server gives it (a durable group commit with a sync, a shared read, one script per write). A floor
/// bounds a scenario from above: our server cannot serve more than bare Kestrel plus the wait. The load benchmark
/// runs each floor beside the plain baseline.
/// </summary>
internal interface IFloor
{
    ValueTask WaitAsync(string userId);
}

internal static class Floors
{
    /// <summary>
    /// <c>durable &lt;dir&gt;</c>: the embedded <c>user_token</c> answers only once its token is on disk (docs/decisions.md, D12);
    /// <c>redis-read &lt;host:port&gt;</c>: a Redis check waits for one read shared with the checks around it
    /// (D7); <c>redis-write &lt;host:port&gt;</c>: a Redis login writes OpenIM's hash and announces it.
    /// </summary>
    public static async Task<IFloor?> CreateAsync(string[] args) => args switch
    {
        [] => null,
        ["durable", var dir] => new DurableAppendFloor(Path.Combine(dir, "floor.log")),
        ["redis-read", var address] => new SharedRedisReadFloor(await ConnectionMultiplexer.ConnectAsync(address)),
        ["redis-write", var address] => new RedisWriteFloor(await ConnectionMultiplexer.ConnectAsync(address)),
        _ => throw new ArgumentException("floor: durable <dir> | redis-read <host:port> | redis-write <host:port>"),
    };
}

/// <summary>
/// Writes each request's user into a file and answers after the <c>fdatasync</c> of its batch: group commit in its
/// barest form, one writer thread, every request queued during a sync going into the next one. The file is written
/// full of zeros once and then written round, as SQLite reuses its WAL, so a sync flushes data but never the file's
/// size or extents. No SQL, no index, no token state.
/// </summary>
internal sealed partial class DurableAppendFloor : IFloor
{
    private const long FileSize = 64 << 20;
    private readonly Channel<(byte[] Line, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(byte[], TaskCompletionSource)>(new() { SingleReader = true });
    private readonly SafeFileHandle _file;
    private long _offset;

    public DurableAppendFloor(string path)
    {
        _file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        // Written, not just sized: ext4 would keep preallocated extents "unwritten", and every sync that first writes
        // into one would also journal the extent's conversion.
        var zeros = new byte[1 << 20];
        for (long offset = 0; offset < FileSize; offset += zeros.Length)
        {
            RandomAccess.Write(_file, zeros, offset);
        }
        RandomAccess.FlushToDisk(_file);
        new Thread(Run) { IsBackground = true, Name = "floor writer" }.Start();
    }

    public ValueTask WaitAsync(string userId)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Writer.TryWrite((Encoding.UTF8.GetBytes(userId + "\n"), done));
        return new ValueTask(done.Task);
    }

    private void Run()
    {
        var batch = new List<TaskCompletionSource>();
        var buffer = new byte[1 << 16];
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            var length = 0;
            while (length < buffer.Length - 256 && _queue.Reader.TryRead(out var item))
            {
                item.Line.CopyTo(buffer, length);
                length += item.Line.Length;
                batch.Add(item.Done);
            }
            if (_offset + length > FileSize)
            {
                _offset = 0;
            }
            RandomAccess.Write(_file, buffer.AsSpan(0, length), _offset);
            _offset += length;
            if (DataSync(_file) != 0)
            {
                throw new IOException("fdatasync failed", Marshal.GetLastPInvokeError());
            }
            batch.ForEach(done => done.SetResult());
        }
    }

    // What SQLite calls on Linux to make a commit durable; .NET's FlushToDisk is fsync, which also writes the inode.
    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int DataSync(SafeFileHandle file);
}

/// <summary>
/// Before answering, waits for a GET of one key that started after the request arrived, shared with every request
/// that queued while the previous GET was in flight: the least a check needs to see a revocation made through
/// another instance, and what <see cref="RedisTokenCheckCache"/> waits for.
/// </summary>
internal sealed class SharedRedisReadFloor(IConnectionMultiplexer redis) : IFloor
{
    private readonly CoalescedRead<long> _read =
        new(async () => (long?)await redis.GetDatabase().StringGetAsync("OPENIMAUTH:FLOOR_SEQ") ?? 0);

    public ValueTask WaitAsync(string userId) => new(_read.ReadAsync());
}

/// <summary>
/// One script per request that sets a token's status in the user's OpenIM hash and publishes on
/// <c>DELETE_CACHE_AUTH</c>, as every write does (docs/decisions.md, D8): the least a login on Redis must send. Our
/// login also reads the user's hashes first and plans kicks from them. The message is OpenIM's (a JSON array of
/// keys): pub/sub ignores the database number, so any OpenImAuth server on the same Redis reads it too. One field per
/// user, overwritten, so the hashes stay as small as a login's under multi-login policy 1.
/// </summary>
internal sealed class RedisWriteFloor(IConnectionMultiplexer redis) : IFloor
{
    private const string Script = """
        redis.call('HSET', KEYS[1], 'floor', 0)
        redis.call('PUBLISH', 'DELETE_CACHE_AUTH', '["' .. KEYS[1] .. '"]')
        return 1
        """;

    private readonly IDatabase _db = redis.GetDatabase();

    public ValueTask WaitAsync(string userId) =>
        new(_db.ScriptEvaluateAsync(Script, [(RedisKey)("UID_PID_TOKEN_STATUS:" + userId + ":IOS")]));
}
