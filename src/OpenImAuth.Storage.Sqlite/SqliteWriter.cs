using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// The one writer of the database, with group commit: every write queued while the previous transaction was being
/// committed goes into the next transaction, so one fsync makes many requests durable at once. Should one write fail,
/// the batch is rolled back and each of its writes committed alone, so the failure does not undo its neighbours.
/// A write's task completes only after its transaction is on disk (synchronous=FULL) and its after-commit action ran.
/// A component that keeps state for the open transaction (what earlier writes of the batch changed) drops it on
/// <see cref="TransactionEnded"/>, so that a rolled-back batch leaves nothing behind for the writes retried alone.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new() { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private SqliteTransaction? _transaction;

    public SqliteWriter(SqliteConnection connection)
    {
        _connection = connection;
        // A thread of its own: each commit blocks for an fsync, which must not hold a thread-pool thread.
        _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Raised on the writer as each transaction ends, before the after-commit actions of its writes run: with
    /// <c>true</c> when it committed, <c>false</c> when it was rolled back or failed.
    /// </summary>
    public event Action<bool>? TransactionEnded;

    /// <summary>Queues <paramref name="execute"/>; <paramref name="afterCommit"/> runs on the writer, in commit order.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteWriter, T> execute, Action<T>? afterCommit = null) =>
        TryWriteAsync(execute, afterCommit) ?? throw new ObjectDisposedException(nameof(SqliteWriter));

    /// <summary>As <see cref="WriteAsync{T}"/>, but <c>null</c> instead of an exception once the writer is closing.</summary>
    public Task<T>? TryWriteAsync<T>(Func<SqliteWriter, T> execute, Action<T>? afterCommit = null)
    {
        var write = new PendingWrite<T>(execute, afterCommit);
        return _queue.Writer.TryWrite(write) ? write.Task : null;
    }

    /// <summary>A prepared command bound to the current transaction; only valid inside a write.</summary>
    public SqliteCommand Command(string sql)
    {
        var command = Prepared(sql);
        command.Parameters.Clear();
        return command;
    }

    /// <summary>
    /// A statement prepared once and run through SQLite's own API, in the current transaction: for statements run
    /// per row, where a command's per-execution objects would cost allocations. Only valid inside a write.
    /// </summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(_connection, sql);
            _statements[sql] = statement;
        }
        return statement;
    }

    private SqliteCommand Prepared(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Transaction = _transaction;
        return command;
    }

    public SqliteCommand Command(string sql, params object?[] values)
    {
        var command = Command(sql);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (i + 1), values[i] ?? DBNull.Value);
        }
        return command;
    }

    private void Run()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (_queue.Reader.TryPeek(out _) || _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }
            CommitBatch(batch);
        }
    }

    private void CommitBatch(List<PendingWrite> batch)
    {
        switch (TryCommit(batch))
        {
            case Outcome.Committed:
                batch.ForEach(write => write.Complete());
                break;
            case Outcome.WriteFailed when batch.Count > 1:
                // One write failed and took the shared transaction with it: run each alone, so only it fails.
                foreach (var write in batch)
                {
                    write.Reset();
                    if (TryCommit([write]) != Outcome.TransactionFailed)
                    {
                        write.Complete();
                    }
                }
                break;
            case Outcome.WriteFailed:
                batch[0].Complete(); // completes with the write's own error
                break;
        }
    }

    private enum Outcome
    {
        Committed,
        WriteFailed,
        TransactionFailed,
    }

    /// <summary>All of <paramref name="writes"/> in one transaction and one fsync, or none of them.</summary>
    private Outcome TryCommit(List<PendingWrite> writes)
    {
        var committed = false;
        try
        {
            using (_transaction = _connection.BeginTransaction())
            {
                foreach (var write in writes)
                {
                    if (!write.TryExecute(this))
                    {
                        _transaction.Rollback();
                        return Outcome.WriteFailed;
                    }
                }
                _transaction.Commit();
                committed = true;
                return Outcome.Committed;
            }
        }
        catch (Exception ex)
        {
            // Whatever broke the transaction (disk full, I/O error), every write in it fails visibly; the loop itself
            // must survive, or every later request would wait forever.
            writes.ForEach(write => write.Fail(ex));
            return Outcome.TransactionFailed;
        }
        finally
        {
            _transaction = null;
            TransactionEnded?.Invoke(committed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        await _connection.DisposeAsync();
    }

    private abstract class PendingWrite
    {
        public abstract bool TryExecute(SqliteWriter writer);

        public abstract void Complete();

        public abstract void Fail(Exception error);

        public abstract void Reset();
    }

    private sealed class PendingWrite<T>(Func<SqliteWriter, T> execute, Action<T>? afterCommit) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool TryExecute(SqliteWriter writer)
        {
            try
            {
                _result = execute(writer);
                return true;
            }
            catch (Exception ex)
            {
                _error = ex;
                return false;
            }
        }

        public override void Complete()
        {
            if (_error is not null)
            {
                _completion.TrySetException(_error);
                return;
            }
            try
            {
                afterCommit?.Invoke(_result);
                _completion.TrySetResult(_result);
            }
            catch (Exception ex)
            {
                _completion.TrySetException(ex);
            }
        }

        public override void Fail(Exception error) => _completion.TrySetException(_error ?? error);

        public override void Reset() => _error = null;
    }
}
