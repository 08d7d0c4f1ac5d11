namespace OpenImAuth.Core.Tokens;

public enum PlatformClass
{
    Unknown,
    Mobile,
    PC,
    Web,
    MiniWeb,
    Pad,
    Admin,
    HarmonyOS,
}
