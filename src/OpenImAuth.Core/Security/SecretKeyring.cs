namespace OpenImAuth.Core.Security;

/// <summary>
/// The secrets the server runs on, swapped whole when the configuration changes: readers take one
/// <see cref="SecretSet"/> and use it throughout, so a check never sees half of a rotation.
/// </summary>
public sealed class SecretKeyring(SecretSet initial)
{
    private SecretSet _secrets = initial;

    public SecretKeyring(string secret)
        : this(new SecretSet(secret, []))
    {
    }

    /// <summary>The secrets in force now.</summary>
    public SecretSet Secrets => Volatile.Read(ref _secrets);

    /// <summary>Raised after <see cref="Replace"/>: a secret taken out makes its tokens fail, live connections included.</summary>
    public event Action? Replaced;

    /// <summary>Puts <paramref name="secrets"/> in force for every check and signature from now on.</summary>
    public void Replace(SecretSet secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        Volatile.Write(ref _secrets, secrets);
        Replaced?.Invoke();
    }
}
