namespace OpenImAuth.Core.Security;

/// <summary>
/// When wrong secrets lock an address out: <paramref name="MaxFailures"/> of them within <paramref name="Window"/> of
/// the first one lock it out for <paramref name="Lockout"/>.
/// </summary>
public sealed record SecretLockoutPolicy(int MaxFailures, TimeSpan Window, TimeSpan Lockout)
{
    public static readonly SecretLockoutPolicy Default = new(10, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(300));
}
