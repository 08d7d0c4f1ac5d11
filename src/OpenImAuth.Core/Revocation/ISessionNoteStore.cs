namespace OpenImAuth.Core.Revocation;

/// <summary>
/// Session notes, shared by every instance where the store is. Writes come in batches (the last use of each token
/// since the previous batch). A note outlives its token until the user's sessions are next read, which forgets the
/// notes of tokens the token store no longer holds.
/// </summary>
public interface ISessionNoteStore
{
    /// <summary>Stores the notes; of two notes for one token, the later use wins, and a revocation stays.</summary>
    Task WriteAsync(IReadOnlyList<SessionNote> notes, CancellationToken cancellationToken);

    /// <summary>The user's notes, by token.</summary>
    Task<IReadOnlyDictionary<string, SessionNote>> ReadAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Deletes the user's notes of these tokens (tokens that are gone); others stay.</summary>
    Task ForgetAsync(string userId, IReadOnlyCollection<string> tokens, CancellationToken cancellationToken);
}
