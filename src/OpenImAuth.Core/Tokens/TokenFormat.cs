namespace OpenImAuth.Core.Tokens;

/// <summary>The two payload layouts OpenIM has signed (docs/decisions.md, W4).</summary>
public enum TokenFormat
{
    /// <summary>Format A (v3.0–v3.8.2): <c>exp</c>, <c>nbf</c> = now−300, <c>iat</c> = now.</summary>
    WithNotBefore,

    /// <summary>Format B (v3.8.3+): <c>exp</c>, no <c>nbf</c>, <c>iat</c> = now−5.</summary>
    Backdated,
}
