using System.Security.Cryptography;
using System.Text;

namespace OpenImAuth.Core.Security;

/// <summary>
/// The secrets in force at one moment, never changed: the current one signs and verifies, the previous ones only
/// verify (so that tokens and app servers of the old secret keep working while a rotation is rolled out).
/// </summary>
public sealed class SecretSet
{
    private readonly byte[][] _digests;

    // Where each kept previous secret stands in the list as configured, for the log line that names it.
    private readonly int[] _previousPlaces;

    /// <param name="current">Signs every new token.</param>
    /// <param name="previous">Verify only; copies of <paramref name="current"/> or of an earlier entry are left out.</param>
    public SecretSet(string current, IReadOnlyList<string> previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        Current = current;
        var kept = new List<string>();
        foreach (var secret in previous)
        {
            if (secret != current && !kept.Contains(secret, StringComparer.Ordinal))
            {
                kept.Add(secret);
            }
        }
        Previous = kept;
        CurrentKey = Encoding.UTF8.GetBytes(current);
        PreviousKeys = [.. kept.Select(Encoding.UTF8.GetBytes)];
        _digests = [SHA256.HashData(CurrentKey), .. PreviousKeys.Select(SHA256.HashData)];
        _previousPlaces = [.. kept.Select(s => IndexOf(previous, s))];
    }

    public string Current { get; }

    public IReadOnlyList<string> Previous { get; }

    internal byte[] CurrentKey { get; }

    internal byte[][] PreviousKeys { get; }

    /// <summary>
    /// Which secret <paramref name="presented"/> is. Constant-time: it is hashed first, so that neither content nor
    /// length leaks, and compared with every secret with no early exit, so that timing does not tell which matched.
    /// </summary>
    public SecretMatch Match(string? presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""), digest);
        var matched = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            var equal = CryptographicOperations.FixedTimeEquals(_digests[i], digest);
            matched = equal && matched < 0 ? i : matched;
        }
        return matched switch
        {
            < 0 => SecretMatch.None,
            0 => SecretMatch.Current,
            _ => SecretMatch.Previous(_previousPlaces[matched - 1]),
        };
    }

    /// <summary>Whether the two sets hold the same secrets in the same roles.</summary>
    public bool SameAs(SecretSet other) =>
        ReferenceEquals(this, other) || (other.Current == Current && other.Previous.SequenceEqual(Previous, StringComparer.Ordinal));

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }
        return -1;
    }
}
