namespace OpenImAuth.Core.Tokens;

/// <summary>OpenIM's token statuses (constant.NormalToken … ExpiredToken). Only 0 and 2 are ever written.</summary>
public static class TokenStatus
{
    public const int Normal = 0;
    public const int Invalid = 1;
    public const int Kicked = 2;
    public const int Expired = 3;
}
