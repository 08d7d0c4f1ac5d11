using System.Buffers.Text;
using System.Text;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>One fuzzed request, and how to print it so that it can be read and replayed.</summary>
internal sealed record FuzzRequest(string Path, IReadOnlyList<(string Name, string Value)> Headers, string? ContentType, byte[] Body, string Mutation)
{
    public HttpRequestMessage ToMessage()
    {
        var content = new ByteArrayContent(Body);
        if (ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        var message = new HttpRequestMessage(HttpMethod.Post, Path) { Content = content };
        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        return message;
    }

    public override string ToString()
    {
        var text = new StringBuilder($"POST {Path}\n");
        foreach (var (name, value) in Headers)
        {
            text.Append($"{name}: \"{Escaped(Encoding.UTF8.GetBytes(value))}\"\n");
        }
        text.Append(ContentType is null ? "(no Content-Type)\n" : $"Content-Type: \"{Escaped(Encoding.UTF8.GetBytes(ContentType))}\"\n");
        const int Shown = 2000;
        var shown = Escaped(Body.AsSpan(0, Math.Min(Body.Length, Shown)));
        return text.Append($"body of {Body.Length} bytes ({Mutation}): \"{shown}\"{(Body.Length > Shown ? " …" : "")}").ToString();
    }

    /// <summary>Bytes as the body of a C# string literal, with <c>\xNN</c> for each byte outside printable ASCII.</summary>
    private static string Escaped(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes)
        {
            text.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }
        return text.ToString();
    }
}

/// <summary>
/// Fuzzed requests for the routes, drawn from one <see cref="Random"/>: a body mutated from the route's valid one
/// (<see cref="BodyFuzzer"/>), a missing, empty, long or odd <c>operationID</c>, a random Content-Type, and a token that
/// is valid, a real one mutated (a flipped character, truncated, segments of two tokens swapped, <c>alg</c> none) or
/// no token at all. Header values stay within what HTTP allows: the framing is Kestrel's, not ours to test.
/// </summary>
internal sealed class RequestFuzzer(Random random)
{
    public const string User = "fuzzuser";
    public const string UserTokenPlaceholder = "$userToken";

    /// <summary>A valid body for every route; a route that is not here is fuzzed from <c>{}</c>.</summary>
    public static IReadOnlyDictionary<string, string> ValidBodies { get; } = new Dictionary<string, string>
    {
        ["/auth/user_token"] = $$"""{"secret":"openIM123","platformID":1,"userID":"{{User}}"}""",
        ["/auth/get_admin_token"] = """{"secret":"openIM123","userID":"imAdmin"}""",
        ["/auth/get_user_token"] = $$"""{"platformID":2,"userID":"{{User}}"}""",
        ["/auth/parse_token"] = $$"""{"token":"{{UserTokenPlaceholder}}"}""",
        ["/auth/force_logout"] = $$"""{"platformID":3,"userID":"{{User}}"}""",
        ["/user/user_register"] = """{"secret":"openIM123","users":[{"userID":"fuzzuser2","nickname":"n","faceURL":"f","ex":"e"}]}""",
        ["/user/update_user_info"] = $$$"""{"userInfo":{"userID":"{{{User}}}","nickname":"n","faceURL":"f","ex":"e","globalRecvMsgOpt":1}}""",
        ["/user/update_user_info_ex"] = $$$"""{"userInfo":{"userID":"{{{User}}}","nickname":"n2","ex":"e2"}}""",
        ["/user/set_global_msg_recv_opt"] = $$"""{"userID":"{{User}}","globalRecvMsgOpt":2}""",
        ["/user/get_users_info"] = $$"""{"userIDs":["{{User}}","imAdmin"]}""",
        ["/user/account_check"] = $$"""{"checkUserIDs":["{{User}}","nobody"]}""",
        ["/user/get_all_users_uid"] = """{"pagination":{"pageNumber":1,"showNumber":10}}""",
        ["/user/get_users"] = $$"""{"pagination":{"pageNumber":1,"showNumber":10},"userID":"{{User}}","nickName":"n"}""",
        ["/user/get_users_online_status"] = $$"""{"userIDs":["{{User}}"]}""",
        ["/user/get_users_online_token_detail"] = $$"""{"userIDs":["{{User}}"]}""",
        ["/user/subscribe_users_status"] = $$"""{"userID":"{{User}}","userIDs":["imAdmin","nobody"],"genre":1}""",
        ["/user/get_subscribe_users_status"] = $$"""{"userID":"{{User}}"}""",
        ["/user/get_users_status"] = $$"""{"userID":"{{User}}","userIDs":["{{User}}","imAdmin"]}""",
        ["/auth/revoke_tokens"] = $$"""{"userID":"{{User}}","platformID":4,"issuedBefore":0}""",
        ["/auth/clear_revocation"] = $$"""{"userID":"{{User}}","platformID":4}""",
        ["/auth/get_user_sessions"] = $$$"""{"userID":"{{{User}}}","pagination":{"pageNumber":1,"showNumber":10}}""",
        ["/auth/revoke_session"] = $$"""{"userID":"{{User}}","sessionID":"AAAAAAAAAAAAAAAAAAAAAA"}""",
        ["/audit/search"] = $$$"""{"userID":"{{{User}}}","action":"user_token","from":0,"to":4102444800000,"pagination":{"pageNumber":1,"showNumber":10}}""",
    };

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/xml", "*/*", "",
        "application/json; charset=\"bogus\"", "a/b/c", "json", ";;;",
    ];

    private static readonly string AlgNoneHeader = Base64Url.EncodeToString("""{"alg":"none","typ":"JWT"}"""u8);

    public FuzzRequest Next(string path, string adminToken, string userToken)
    {
        var valid = ValidBodies.GetValueOrDefault(path, "{}").Replace(UserTokenPlaceholder, userToken, StringComparison.Ordinal);
        var (body, mutation) = BodyFuzzer.Mutate(random, valid);
        var headers = new List<(string, string)>();
        if (OperationId() is { } operationId)
        {
            headers.Add(("operationID", operationId));
        }
        if (Token(adminToken, userToken) is { } token)
        {
            headers.Add(("token", token));
        }
        var contentType = random.Next(3) == 0 ? null : random.Next(2) == 0 ? "application/json" : Pick(ContentTypes);
        return new FuzzRequest(path, headers, contentType, body, mutation);
    }

    private string? OperationId() => random.Next(10) switch
    {
        0 => null,
        1 => "",
        2 => RandomText(random.Next(1000, 4000)),
        3 => RandomText(random.Next(1, 40)),
        4 => Pick([" ", "\t", " padded ", "a\tb", "%00", "../..", "\"quoted\"", "{}", "op;id=1"]),
        _ => $"fuzz-{random.Next(1000)}",
    };

    private string? Token(string admin, string user) => random.Next(16) switch
    {
        < 6 => admin,
        6 => user,
        7 => null,
        8 => "",
        9 => FlipCharacter(admin),
        10 => admin[..random.Next(admin.Length)],
        11 => SwapSegments(admin, user),
        12 => $"{AlgNoneHeader}.{admin.Split('.')[1]}.",
        13 => RandomText(random.Next(1, 200)),
        14 => RandomText(random.Next(4000, 8000)),
        _ => Pick([$"Bearer {admin}", $"{admin} ", $" {admin}", "a.b.c", "..", ".", $"{admin}.{admin}", admin.ToUpperInvariant()]),
    };

    private string FlipCharacter(string token)
    {
        var chars = token.ToCharArray();
        chars[random.Next(chars.Length)] = "ABCxyz019-_.="[random.Next(13)];
        return new string(chars);
    }

    /// <summary>A header, payload and signature taken from the two tokens in a mix that is not one of them.</summary>
    private string SwapSegments(string admin, string user)
    {
        var (a, u) = (admin.Split('.'), user.Split('.'));
        return random.Next(3) switch
        {
            0 => $"{a[0]}.{u[1]}.{a[2]}",
            1 => $"{a[0]}.{a[1]}.{u[2]}",
            _ => $"{a[1]}.{a[0]}.{a[2]}",
        };
    }

    /// <summary>Printable ASCII, spaces and tabs, never at the ends: what a header value may hold.</summary>
    private string RandomText(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = i > 0 && i < length - 1 && random.Next(20) == 0 ? " \t"[random.Next(2)] : (char)random.Next(0x21, 0x7F);
        }
        return new string(chars);
    }

    private string Pick(string[] items) => items[random.Next(items.Length)];
}
