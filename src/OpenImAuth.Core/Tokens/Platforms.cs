namespace OpenImAuth.Core.Tokens;

/// <summary>OpenIM's platform IDs, names (the Redis key suffix) and classes (multi-login policy 4 and 5).</summary>
public static class Platforms
{
    public const int Ios = 1;
    public const int Android = 2;
    public const int Windows = 3;
    public const int Osx = 4;
    public const int Web = 5;
    public const int MiniWeb = 6;
    public const int Linux = 7;
    public const int AndroidPad = 8;
    public const int IPad = 9;
    public const int Admin = 10;
    public const int HarmonyOS = 11;

    public const int Min = Ios;
    public const int Max = HarmonyOS;

    public static bool IsValid(int platformId) => platformId is >= Min and <= Max;

    /// <summary>OpenIM's PlatformName; <c>""</c> for an unknown ID, as in OpenIM.</summary>
    public static string NameOf(int platformId) => platformId switch
    {
        Ios => "IOS",
        Android => "Android",
        Windows => "Windows",
        Osx => "OSX",
        Web => "Web",
        MiniWeb => "MiniWeb",
        Linux => "Linux",
        AndroidPad => "APad",
        IPad => "IPad",
        Admin => "Admin",
        HarmonyOS => "HarmonyOS",
        _ => "",
    };

    public static PlatformClass ClassOf(int platformId) => platformId switch
    {
        Ios or Android => PlatformClass.Mobile,
        Windows or Osx or Linux => PlatformClass.PC,
        Web => PlatformClass.Web,
        MiniWeb => PlatformClass.MiniWeb,
        AndroidPad or IPad => PlatformClass.Pad,
        Admin => PlatformClass.Admin,
        HarmonyOS => PlatformClass.HarmonyOS,
        _ => PlatformClass.Unknown,
    };
}
