using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Open read-only connections kept for reuse, each with its prepared commands and the file memory-mapped: opening
/// a connection and preparing a statement per read cost more than the read itself, and without mmap every page a
/// writer touched is copied in again through read(2) on the next read transaction.
/// </summary>
internal sealed class SqliteReaders(string connectionString) : IDisposable
{
    private const long MmapBytes = 1L << 30;
    private readonly ConcurrentBag<Reader> _idle = [];

    public Reader Rent()
    {
        if (_idle.TryTake(out var reader))
        {
            return reader;
        }
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = $"PRAGMA mmap_size = {MmapBytes}";
            pragma.ExecuteNonQuery();
        }
        return new Reader(this, connection);
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var reader))
        {
            reader.Close();
        }
    }

    internal sealed class Reader(SqliteReaders owner, SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public SqliteConnection Connection => connection;

        /// <summary>A prepared command for <paramref name="sql"/>, reused across rentals of this connection.</summary>
        public SqliteCommand Command(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                _commands[sql] = command;
            }
            command.Parameters.Clear();
            return command;
        }

        /// <summary>Back to the pool.</summary>
        public void Dispose() => owner._idle.Add(this);

        internal void Close()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }
            connection.Dispose();
        }
    }
}
