namespace OpenImAuth.Core;

/// <summary>Which OpenIM generation's shapes to speak where they conflict (docs/decisions.md, D2).</summary>
public enum CompatProfile
{
    /// <summary>v3.0 – v3.8.0, the seed's era (default).</summary>
    V3,

    /// <summary>v3.8.1 and later.</summary>
    V3Point8,
}
