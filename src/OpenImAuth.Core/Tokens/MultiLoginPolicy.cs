namespace OpenImAuth.Core.Tokens;

/// <summary>OpenIM's multi-login policies that OpenImAuth implements (constant.go: DefalutNotKick … PCAndOther).</summary>
public enum MultiLoginPolicy
{
    /// <summary>0: keep every login, up to <c>maxNumOneEnd</c> tokens per platform.</summary>
    NoKick = 0,

    /// <summary>1: one token per platform; a new login replaces the one on its own platform.</summary>
    AllLoginButSameTermKick = 1,

    /// <summary>4: one token per platform class; a new login replaces every token of its own class.</summary>
    AllLoginButSameClassKick = 4,

    /// <summary>5: PC logins coexist with each other and with one non-PC login.</summary>
    PCAndOther = 5,
}
