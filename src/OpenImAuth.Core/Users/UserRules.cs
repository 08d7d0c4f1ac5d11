using System.Text;

namespace OpenImAuth.Core.Users;

/// <summary>Field rules for user records (docs/decisions.md, D9). Each check returns an error detail, or null when valid.</summary>
public static class UserRules
{
    public const int MaxUserIdLength = 64;
    public const int MaxNicknameLength = 255;
    public const int MaxFaceUrlLength = 255;
    public const int MaxExLength = 1024;

    public static string? CheckUserId(string userId, CompatProfile profile)
    {
        if (userId.Length == 0)
        {
            return "userID is empty";
        }
        if (userId.Length > MaxUserIdLength)
        {
            return $"userID is longer than {MaxUserIdLength} characters";
        }
        if (profile == CompatProfile.V3Point8)
        {
            // OpenIM v3.8: Unicode letters, digits and '_' only.
            foreach (var rune in userId.EnumerateRunes())
            {
                if (!Rune.IsLetterOrDigit(rune) && rune.Value != '_')
                {
                    return "userID may contain only letters, digits and '_'";
                }
            }
            return null;
        }
        if (userId.Contains(':', StringComparison.Ordinal))
        {
            return "userID contains ':' is invalid userID";
        }
        foreach (var c in userId)
        {
            if (char.IsControl(c))
            {
                return "userID contains a control character";
            }
        }
        return null;
    }

    public static string? CheckProfileFields(string? nickname, string? faceUrl, string? ex, int? globalRecvMsgOpt)
    {
        if (nickname is { Length: > MaxNicknameLength })
        {
            return $"nickname is longer than {MaxNicknameLength} characters";
        }
        if (faceUrl is { Length: > MaxFaceUrlLength })
        {
            return $"faceURL is longer than {MaxFaceUrlLength} characters";
        }
        if (ex is { Length: > MaxExLength })
        {
            return $"ex is longer than {MaxExLength} characters";
        }
        if (globalRecvMsgOpt is < 0 or > 2)
        {
            return "globalRecvMsgOpt must be 0, 1 or 2";
        }
        // PostgreSQL text cannot hold U+0000; refused on every store, so that a store switch changes nothing.
        foreach (var (field, value) in new[] { ("nickname", nickname), ("faceURL", faceUrl), ("ex", ex) })
        {
            if (value?.Contains('\0', StringComparison.Ordinal) == true)
            {
                return $"{field} contains U+0000";
            }
        }
        return null;
    }
}
