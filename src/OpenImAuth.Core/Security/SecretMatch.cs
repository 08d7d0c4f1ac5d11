namespace OpenImAuth.Core.Security;

/// <summary>
/// Which configured secret a presented one is: <see cref="None"/>, <see cref="Current"/>, or a previous secret, by its
/// place in <c>previousSecrets</c> (from 0).
/// </summary>
public readonly record struct SecretMatch
{
    private readonly int _slot; // 0 none, 1 current, 2 + i previousSecrets[i]

    private SecretMatch(int slot) => _slot = slot;

    public static SecretMatch None => default;

    public static SecretMatch Current => new(1);

    public static SecretMatch Previous(int index) => new(2 + index);

    public bool IsMatch => _slot > 0;

    public bool IsPrevious => _slot > 1;

    /// <summary>The place in <c>previousSecrets</c> of the secret that matched, or -1 when it was not a previous one.</summary>
    public int PreviousIndex => _slot > 1 ? _slot - 2 : -1;

    public override string ToString() => _slot switch
    {
        0 => "none",
        1 => "current",
        _ => $"previousSecrets[{PreviousIndex}]",
    };
}
