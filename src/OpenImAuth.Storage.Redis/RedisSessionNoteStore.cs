using System.Globalization;
using OpenImAuth.Core.Revocation;
using StackExchange.Redis;

namespace OpenImAuth.Storage.Redis;

/// <summary>
/// Session notes in one hash per user (<c>OPENIMAUTH:SESSIONS:{userID}</c>; field = token, value =
/// <c>{lastSeenMs}|{revoked 0/1}|{address}</c>), kept as long as a token lives. A script merges each note, so that
/// instances writing the same token's last use keep the latest.
/// </summary>
public sealed class RedisSessionNoteStore(IConnectionMultiplexer redis, TimeSpan keyLifetime) : ISessionNoteStore
{
    private static readonly LuaScript MergeScript = LuaScript.Prepare("""
        local held = redis.call('HGET', @key, @token)
        local seen, revoked, address = tonumber(@seen), tonumber(@revoked), @address
        if held then
            local heldSeen, heldRevoked, heldAddress = string.match(held, '^(%d+)|(%d)|(.*)$')
            if heldSeen and tonumber(heldSeen) >= seen then seen, address = tonumber(heldSeen), heldAddress end
            if heldRevoked == '1' then revoked = 1 end
        end
        redis.call('HSET', @key, @token, string.format('%d|%d|%s', seen, revoked, address))
        redis.call('EXPIRE', @key, @ttl)
        return 1
        """);

    private readonly IDatabase _db = redis.GetDatabase();

    public static RedisKey Key(string userId) => $"OPENIMAUTH:SESSIONS:{userId}";

    public async Task WriteAsync(IReadOnlyList<SessionNote> notes, CancellationToken cancellationToken)
    {
        var writes = new List<Task>(notes.Count);
        foreach (var note in notes)
        {
            writes.Add(_db.ScriptEvaluateAsync(MergeScript, new
            {
                key = Key(note.UserId),
                token = note.Token,
                seen = note.LastSeenMs.ToString(CultureInfo.InvariantCulture),
                revoked = note.Revoked ? "1" : "0",
                address = note.LastSeenAddress,
                ttl = (long)keyLifetime.TotalSeconds,
            }));
        }
        await Task.WhenAll(writes);
    }

    public Task ForgetAsync(string userId, IReadOnlyCollection<string> tokens, CancellationToken cancellationToken) =>
        tokens.Count == 0 ? Task.CompletedTask
            : _db.HashDeleteAsync(Key(userId), [.. tokens.Select(token => (RedisValue)token)]);

    public async Task<IReadOnlyDictionary<string, SessionNote>> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        var notes = new Dictionary<string, SessionNote>(StringComparer.Ordinal);
        foreach (var entry in await _db.HashGetAllAsync(Key(userId)))
        {
            var parts = ((string?)entry.Value ?? "").Split('|', 3);
            if (parts.Length == 3 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var seen))
            {
                notes[(string)entry.Name!] = new SessionNote(userId, (string)entry.Name!, seen, parts[2], parts[1] == "1");
            }
        }
        return notes;
    }
}
