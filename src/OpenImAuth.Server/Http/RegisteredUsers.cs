using System.Collections.Concurrent;
using OpenImAuth.Core.Users;

namespace OpenImAuth.Server.Http;

/// <summary>
/// "Is this user registered?" for token issuance, without a store read for users already seen. Only positive
/// answers are remembered, and that is safe because no route deletes a user: once registered, always registered.
/// (A route that deletes users must forget them here.) Bounded, so a flood of distinct IDs cannot grow it forever.
/// </summary>
internal sealed class RegisteredUsers(IUserStore users)
{
    private const int Capacity = 2_000_000;
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public async ValueTask<bool> ExistsAsync(string userId, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey(userId))
        {
            return true;
        }
        if (await users.FindAsync(userId, cancellationToken) is null)
        {
            return false;
        }
        if (_known.Count < Capacity)
        {
            _known.TryAdd(userId, 0);
        }
        return true;
    }
}
