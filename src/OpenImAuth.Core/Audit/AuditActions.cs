namespace OpenImAuth.Core.Audit;

/// <summary>The actions that are not a route's own.</summary>
public static class AuditActions
{
    public const string SecretRefused = "secret_refused";
    public const string AdminTokenRefused = "admin_token_refused";
    public const string PreviousSecretUsed = "previous_secret_used";
    public const string MultiLoginKick = "multi_login_kick";

    /// <summary>The <see cref="AuditEntry.Actor"/> of a request that presented the secret.</summary>
    public const string SecretActor = "secret";
}
