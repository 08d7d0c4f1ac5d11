using System.Globalization;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Server.Gateway;

/// <summary>The query of a gateway connect (docs/decisions.md, W9), checked in OpenIM's order.</summary>
internal sealed record ConnectArgs(
    string Token,
    string SendId,
    int PlatformId,
    string OperationId,
    bool IsBackground,
    bool IsMsgResp)
{
    /// <summary>
    /// Reads the raw query. The JS SDK concatenates values without encoding them, so only %XX is decoded: a literal
    /// <c>+</c> in a userID stays a <c>+</c> (form decoding would turn it into a space and fail the sendID match), and a
    /// stray <c>%</c> is kept as it is. The first of repeated keys wins, as Go's <c>Query().Get</c> does.
    /// </summary>
    public static (ConnectArgs? Args, OpenImError? Error) Parse(ReadOnlySpan<char> query)
    {
        var values = Split(query);
        string Get(string key) => values[Array.IndexOf(Keys, key)] ?? "";

        var token = Get("token");
        if (token.Length == 0)
        {
            return Fail("token is empty");
        }
        var sendId = Get("sendID");
        if (sendId.Length == 0)
        {
            return Fail("sendID is empty");
        }
        var operationId = Get("operationID");
        if (operationId.Length == 0)
        {
            return Fail("operationID is empty");
        }
        if (!int.TryParse(Get("platformID"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var platformId)
            || !Platforms.IsValid(platformId))
        {
            return Fail($"platformID '{Get("platformID")}' is not an OpenIM platform (1-11)");
        }
        // OpenIM requires isBackground; a missing one means false here, as every client means it (docs/decisions.md, W9).
        if (!TryParseGoBool(Get("isBackground"), out var isBackground))
        {
            return Fail($"isBackground '{Get("isBackground")}' is not a boolean");
        }
        if (!TryParseGoBool(Get("isMsgResp"), out var isMsgResp))
        {
            return Fail($"isMsgResp '{Get("isMsgResp")}' is not a boolean");
        }
        switch (Get("sdkType"))
        {
            case "js":
                break;
            case "" or "go":
                return Fail("sdkType go (gob frames) is not supported; connect with sdkType=js (JSON frames)");
            case var other:
                return Fail($"sdkType '{other}' is not supported; use js");
        }
        // Only the Go SDK asks for gzip, and it is refused above; a JSON client that asks would get frames it cannot read.
        if (Get("compression").Length > 0)
        {
            return Fail("compression is not supported; connect without it");
        }
        return (new ConnectArgs(token, sendId, platformId, operationId, isBackground, isMsgResp), null);
    }

    private static (ConnectArgs?, OpenImError?) Fail(string detail) => (null, new OpenImError(ErrorCodes.ConnArgsError, detail));

    /// <summary>Go's strconv.ParseBool, where an absent value counts as false.</summary>
    private static bool TryParseGoBool(string text, out bool value)
    {
        switch (text)
        {
            case "" or "0" or "f" or "F" or "false" or "FALSE" or "False":
                value = false;
                return true;
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                value = true;
                return true;
            default:
                value = false;
                return false;
        }
    }

    // The keys a connect reads; any other key in the query is ignored.
    private static readonly string[] Keys =
        ["token", "sendID", "operationID", "platformID", "isBackground", "isMsgResp", "sdkType", "compression"];

    /// <summary>The value of each of <see cref="Keys"/>, or null where absent; only those values are copied.</summary>
    private static string?[] Split(ReadOnlySpan<char> query)
    {
        var values = new string?[Keys.Length];
        query = query.TrimStart('?');
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            if (pair.IsEmpty)
            {
                continue;
            }
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            var index = key.Contains('%') ? Array.IndexOf(Keys, Uri.UnescapeDataString(key.ToString())) : IndexOfKey(key);
            if (index >= 0 && values[index] is null)
            {
                values[index] = equals < 0 ? "" : Unescape(pair[(equals + 1)..]);
            }
        }
        return values;
    }

    private static int IndexOfKey(ReadOnlySpan<char> key)
    {
        for (var i = 0; i < Keys.Length; i++)
        {
            if (key.SequenceEqual(Keys[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private static string Unescape(ReadOnlySpan<char> text) => text.Contains('%') ? Uri.UnescapeDataString(text.ToString()) : text.ToString();
}
