using OpenImAuth.Core.Tokens;
using OpenImAuth.Core.Users;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Server.Hosting;

/// <summary>
/// Opens the configured store before the first request and closes it on shutdown. Opening is asynchronous
/// (schema, loading token state), so it happens once at start-up instead of inside a service factory.
/// </summary>
internal sealed class StorageHost(TimeProvider time) : IAsyncDisposable
{
    private SqliteDatabase? _database;

    public ITokenStateStore Tokens { get; private set; } = null!;

    public IUserStore Users { get; private set; } = null!;

    public async Task OpenAsync(ServerSettings settings, CancellationToken cancellationToken)
    {
        _database = await SqliteDatabase.OpenAsync(settings.DataDirectory, cancellationToken);
        Tokens = await SqliteTokenStateStore.OpenAsync(_database, time, cancellationToken);
        Users = new SqliteUserStore(_database);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Configured administrators exist from start-up without registration (decision 9); AppAdmin = 2.
        await Users.EnsureRegisteredAsync(
            settings.Auth.Admins.Select(a => new UserRecord(a.UserId, a.Nickname, "", "", 2, 0, now)).ToList(),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
