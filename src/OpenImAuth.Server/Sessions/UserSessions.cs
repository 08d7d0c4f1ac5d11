using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Http;

namespace OpenImAuth.Server.Sessions;

/// <summary>A user's sessions as the sessions route shows them: the store's tokens, marks, notes and live connections.</summary>
internal static class UserSessions
{
    public static async Task<List<SessionOutput>> ReadAsync(OpenImCall call, string userId)
    {
        var services = call.Services;
        var (tokens, issuedAtMs) = await services.Tokens.GetUserTokensAsync(userId, call.Aborted);
        var notes = await services.Activity.ReadAsync(userId, call.Aborted);
        var connections = (await services.Presence.FindAsync([userId], call.Aborted))
            .GroupBy(entry => entry.Token, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal);
        var now = services.Time.GetUtcNow().ToUnixTimeSeconds();
        var sessions = new List<(long IssuedAt, SessionOutput Output)>(tokens.Count);
        foreach (var token in tokens)
        {
            var note = notes.GetValueOrDefault(token.Token);
            var issuedAt = issuedAtMs.TryGetValue(token.Token, out var ms) ? ms : token.IssuedAt * 1000;
            var status = token.ExpiresAt <= now ? "expired"
                : note is { Revoked: true } ? "revoked"
                : token.Status == TokenStatus.Kicked ? "kicked"
                : token.Status != TokenStatus.Normal ? "revoked"
                : await services.Tokens.IsRevokedByMarkAsync(token, call.Aborted) ? "revoked"
                : "active";
            sessions.Add((issuedAt, new SessionOutput(SessionEndpoints.SessionIdOf(token.Token), token.PlatformId,
                Platforms.NameOf(token.PlatformId), issuedAt, token.ExpiresAt * 1000, status,
                connections.GetValueOrDefault(token.Token), note?.LastSeenMs ?? 0, note?.LastSeenAddress ?? "")));
        }
        // Notes of tokens the store no longer holds (expired and forgotten, or removed) go now. A token issued between
        // the two reads above would lose its last use until the next one: a hint, not worth a lock.
        var held = tokens.Select(t => t.Token).ToHashSet(StringComparer.Ordinal);
        if (notes.Keys.Where(token => !held.Contains(token)).ToList() is { Count: > 0 } stale)
        {
            await services.Activity.Store.ForgetAsync(userId, stale, call.Aborted);
        }
        // Newest first; tokens of one millisecond in a fixed order, so that pages do not overlap.
        return sessions.OrderByDescending(s => s.IssuedAt).ThenBy(s => s.Output.SessionId, StringComparer.Ordinal)
            .Select(s => s.Output).ToList();
    }
}
