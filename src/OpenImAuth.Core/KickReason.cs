namespace OpenImAuth.Core;

/// <summary>Why tokens were revoked, the <c>reason</c> label of <c>openimauth_tokens_kicked_total</c>.</summary>
public enum KickReason
{
    /// <summary>An administrator's <c>/auth/force_logout</c>.</summary>
    ForceLogout,

    /// <summary>A newer login under the multi-login policy.</summary>
    MultiLogin,

    /// <summary>An administrator's <c>/auth/revoke_session</c> (tokens refused by a revocation mark are not counted one by one).</summary>
    Revoke,
}
