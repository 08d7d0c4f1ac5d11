using OpenImAuth.Tests.Shared;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// The parts of the embedded token store on a real database file, wired as the store wires them, for the tests of
/// each part: <see cref="WriteAsync"/> runs a write on the writer and applies its rows to the mirror after commit.
/// </summary>
internal sealed class SqliteTokenParts : IAsyncDisposable
{
    /// <summary>Far past any test's clock: these tokens never expire.</summary>
    public const long Never = 4_000_000_000;

    private readonly SqliteTestDatabase _file;

    private SqliteTokenParts(SqliteTestDatabase file, SqliteDatabase database, TokenLogLimits limits)
    {
        _file = file;
        Database = database;
        Log = new TokenLog(database.Writer, Mirror, TimeProvider.System, limits);
        Overlay = new TokenOverlay(Mirror, Log);
        database.Writer.TransactionEnded += committed =>
        {
            Overlay.Clear();
            CompactionDue = Log.EndTransaction(committed);
        };
    }

    public SqliteDatabase Database { get; }

    public TokenMirror Mirror { get; } = new();

    public TokenLog Log { get; }

    public TokenOverlay Overlay { get; }

    /// <summary>Whether the last transaction made compaction due.</summary>
    public bool CompactionDue { get; private set; }

    public string DirectoryPath => _file.DirectoryPath;

    public static async Task<SqliteTokenParts> OpenAsync(TokenLogLimits? limits = null)
    {
        var file = new SqliteTestDatabase();
        return new SqliteTokenParts(file, await file.OpenAsync(), limits ?? TokenLogLimits.Default);
    }

    /// <summary>What a log of its own replays from the same file, into a mirror of its own.</summary>
    public async Task<TokenMirror> ReplayAsync()
    {
        var mirror = new TokenMirror();
        await new TokenLog(Database.Writer, mirror, TimeProvider.System, TokenLogLimits.Default)
            .ReplayAsync(Database, TestContext.Current.CancellationToken);
        return mirror;
    }

    /// <summary>Runs <paramref name="append"/> on the writer and, once committed, applies its rows to the mirror.</summary>
    public Task<List<TokenLog.Appended>?> WriteAsync(Func<List<TokenLog.Appended>?> append) =>
        Database.Writer.WriteAsync(_ => append(), Mirror.Apply);

    public static StoredToken Token(string text, string userId, int platformId, long issuedAt) =>
        new(text, userId, platformId, TokenStatus.Normal, issuedAt, Never);

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
