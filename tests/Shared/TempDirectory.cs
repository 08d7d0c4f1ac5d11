using Microsoft.Data.Sqlite;

namespace OpenImAuth.Tests.Shared;

/// <summary>A fresh directory under the system temp path, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } =
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "openimauth-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        // Pooled SQLite connections keep the file open after its database is disposed; close them first.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
