using System.Collections.Concurrent;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// Token state on the embedded database, mirrored in memory so that checking a token never reads the disk.
/// The file is the truth: memory is loaded from it at start-up and changed only after a write has committed, by
/// the writer thread in commit order, so memory always equals the committed file.
/// </summary>
public sealed class SqliteTokenStateStore : ITokenStateStore
{
    private readonly SqliteDatabase _database;
    private readonly ConcurrentDictionary<string, StoredToken> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<StoredToken>> _byUser = new(StringComparer.Ordinal);

    private SqliteTokenStateStore(SqliteDatabase database) => _database = database;

    /// <summary>Loads every unexpired token; expired rows are deleted on the way.</summary>
    public static async Task<SqliteTokenStateStore> OpenAsync(SqliteDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        var store = new SqliteTokenStateStore(database);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        await database.Writer.WriteAsync(w => w.Command("DELETE FROM tokens WHERE expires_at <= $1", now).ExecuteNonQuery());
        await using var connection = await database.OpenReaderAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT token, user_id, platform_id, status, issued_at, expires_at FROM tokens ORDER BY rowid";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            store.Remember(new StoredToken(reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5)));
        }
        return store;
    }

    public ValueTask<int?> GetStatusAsync(string userId, int platformId, string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_byToken.TryGetValue(token, out var stored) && stored.UserId == userId && stored.PlatformId == platformId
            ? stored.Status
            : (int?)null);

    public Task<IReadOnlyList<StoredToken>> GetUserTokensAsync(string userId, CancellationToken cancellationToken)
    {
        if (!_byUser.TryGetValue(userId, out var tokens))
        {
            return Task.FromResult<IReadOnlyList<StoredToken>>([]);
        }
        lock (tokens)
        {
            // The list is in insertion order; the contract is issuance order (stable, so ties keep insertion order).
            return Task.FromResult<IReadOnlyList<StoredToken>>(IsInIssuanceOrder(tokens) ? tokens.ToArray() : tokens.OrderBy(t => t.IssuedAt).ToArray());
        }
    }

    public Task<bool> ApplyAsync(TokenStateChange change, CancellationToken cancellationToken) =>
        _database.Writer.WriteAsync(
            w =>
            {
                if (change.Basis is { } basis && !MatchesBasis(w, change.UserId, basis))
                {
                    return false;
                }
                foreach (var removed in change.Removed)
                {
                    w.Command("DELETE FROM tokens WHERE token = $1", removed.Token).ExecuteNonQuery();
                }
                foreach (var kicked in change.Kicked)
                {
                    w.Command("UPDATE tokens SET status = $2 WHERE token = $1", kicked.Token, TokenStatus.Kicked).ExecuteNonQuery();
                }
                if (change.Added is { } added)
                {
                    w.Command("""
                        INSERT INTO tokens (token, user_id, platform_id, status, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
                        ON CONFLICT (token) DO UPDATE SET status = excluded.status
                        """, added.Token, added.UserId, added.PlatformId, added.Status, added.IssuedAt, added.ExpiresAt).ExecuteNonQuery();
                }
                return true;
            },
            applied =>
            {
                if (!applied)
                {
                    return;
                }
                var committed = change;
                foreach (var removed in committed.Removed)
                {
                    Forget(removed.Token);
                }
                foreach (var kicked in committed.Kicked)
                {
                    if (_byToken.TryGetValue(kicked.Token, out var current))
                    {
                        Remember(current with { Status = TokenStatus.Kicked });
                    }
                }
                if (committed.Added is { } added)
                {
                    Remember(added);
                }
            });

    /// <summary>Read from the file inside the write, so that writes earlier in the same batch count.</summary>
    private static bool MatchesBasis(SqliteWriter writer, string userId, IReadOnlyList<StoredToken> basis)
    {
        var expected = basis.ToDictionary(t => t.Token, t => t.Status, StringComparer.Ordinal);
        using var reader = writer.Command("SELECT token, status FROM tokens WHERE user_id = $1", userId).ExecuteReader();
        var count = 0;
        while (reader.Read())
        {
            count++;
            if (!expected.TryGetValue(reader.GetString(0), out var status) || status != reader.GetInt32(1))
            {
                return false;
            }
        }
        return count == expected.Count;
    }

    public async Task<IReadOnlyList<StoredToken>> KickPlatformAsync(string userId, int platformId, CancellationToken cancellationToken) =>
        await _database.Writer.WriteAsync(
            w =>
            {
                // The kicked set comes from the file, not from memory, so a write committed in the same batch counts.
                using var reader = w.Command("""
                    UPDATE tokens SET status = $3 WHERE user_id = $1 AND platform_id = $2 AND status <> $3
                    RETURNING token, user_id, platform_id, status, issued_at, expires_at
                    """, userId, platformId, TokenStatus.Kicked).ExecuteReader();
                var kicked = new List<StoredToken>();
                while (reader.Read())
                {
                    kicked.Add(new StoredToken(reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                        reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5)));
                }
                return (IReadOnlyList<StoredToken>)kicked;
            },
            kicked =>
            {
                foreach (var token in kicked)
                {
                    Remember(token);
                }
            });

    private static bool IsInIssuanceOrder(List<StoredToken> tokens)
    {
        for (var i = 1; i < tokens.Count; i++)
        {
            if (tokens[i - 1].IssuedAt > tokens[i].IssuedAt)
            {
                return false;
            }
        }
        return true;
    }

    private void Remember(StoredToken token)
    {
        _byToken[token.Token] = token;
        var tokens = _byUser.GetOrAdd(token.UserId, _ => []);
        lock (tokens)
        {
            var index = tokens.FindIndex(t => t.Token == token.Token);
            if (index >= 0)
            {
                tokens[index] = token;
            }
            else
            {
                tokens.Add(token);
            }
        }
    }

    private void Forget(string token)
    {
        if (_byToken.TryRemove(token, out var stored) && _byUser.TryGetValue(stored.UserId, out var tokens))
        {
            lock (tokens)
            {
                tokens.RemoveAll(t => t.Token == token);
            }
        }
    }
}
