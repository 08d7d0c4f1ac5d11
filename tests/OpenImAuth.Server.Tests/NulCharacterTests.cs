using System.Text.RegularExpressions;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// U+0000 in a user ID, a search filter or a profile field. PostgreSQL's text type cannot hold it, and such requests
/// once answered 500 "store unavailable: postgres" there (a false outage alarm that any client could raise): every
/// store must answer them exactly as the embedded one does.
/// </summary>
public sealed partial class NulCharacterTests
{
    private const string Secret = "openIM123";

    private enum Caller { Anyone, Admin, User }

    private sealed record Case(string Path, object Body, Caller Caller, int V3Code, int V38Code);

    private static readonly object FirstPage = new { pageNumber = 1, showNumber = 10 };

    private static readonly Case[] Cases =
    [
        new("/user/get_users_info", new { userIDs = new[] { "a\0b" } }, Caller.User, 1004, 0),
        new("/user/get_users_info", new { userIDs = new[] { "u1", "u1\0" } }, Caller.User, 1004, 0),
        new("/user/account_check", new { checkUserIDs = new[] { "u1", "u1\0", "\0" } }, Caller.Admin, 0, 0),
        new("/user/get_users", new { pagination = FirstPage, userID = "u\0" }, Caller.User, 0, 0),
        new("/user/get_users", new { pagination = FirstPage, userID = "\0", nickName = "NICK" }, Caller.User, 0, 0),
        new("/user/get_users", new { pagination = FirstPage, userID = "u1", nickName = "nick\0" }, Caller.User, 0, 0),
        new("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin\0" }, Caller.Anyone, 1001, 1001),
        new("/auth/user_token", new { secret = Secret, platformID = 1, userID = "u1\0" }, Caller.Anyone, 1004, 1004),
        new("/auth/get_user_token", new { platformID = 1, userID = "u1\0" }, Caller.Admin, 1004, 1004),
        new("/auth/force_logout", new { platformID = 1, userID = "u1\0" }, Caller.Admin, 0, 0),
        new("/user/user_register", new { secret = Secret, users = new[] { new { userID = "u\0" } } }, Caller.Anyone, 1001, 1001),
        new("/user/user_register", new { secret = Secret, users = new[] { new { userID = "u2", nickname = "n\0" } } }, Caller.Anyone, 1001, 1001),
        new("/user/user_register", new { secret = Secret, users = new[] { new { userID = "u3", nickname = "n", faceURL = "\0" } } }, Caller.Anyone, 1001, 1001),
        new("/user/update_user_info", new { userInfo = new { userID = "u1\0", nickname = "n" } }, Caller.Admin, 1004, 1004),
        new("/user/update_user_info", new { userInfo = new { userID = "u1", nickname = "n\0" } }, Caller.Admin, 1001, 1001),
        new("/user/update_user_info_ex", new { userInfo = new { userID = "u1", ex = "{\0}" } }, Caller.User, 1001, 1001),
        new("/user/set_global_msg_recv_opt", new { userID = "u1\0", globalRecvMsgOpt = 1 }, Caller.Admin, 1004, 1004),
        new("/user/get_users_online_status", new { userIDs = new[] { "u1\0" } }, Caller.Admin, 0, 0),
        // Last: nothing above changed the one registered user.
        new("/user/get_users_info", new { userIDs = new[] { "u1" } }, Caller.User, 0, 0),
    ];

    [Theory]
    [InlineData("v3")]
    [InlineData("v3.8")]
    public async Task PostgresStore_AnswersAsTheEmbeddedStore(string profile)
    {
        // Arrange: the embedded store and PostgreSQL, each with the same one registered user
        await using var embedded = await GatewayServer.StartAsync($"--compat.profile={profile}");
        await using var cluster = await ScaleOutCluster.CreateAsync();
        var postgres = await cluster.StartInstanceAsync(null, $"--compat.profile={profile}");

        // Act
        var expected = await AskAllAsync(embedded.Process);
        var actual = await AskAllAsync(postgres);

        // Assert: the embedded store's answers are the ones meant, and PostgreSQL gives the very same
        var wrong = new List<string>();
        for (var i = 0; i < Cases.Length; i++)
        {
            var code = profile == "v3" ? Cases[i].V3Code : Cases[i].V38Code;
            if (expected[i].ErrCode != code)
            {
                wrong.Add($"{Cases[i].Path} #{i} on the embedded store, not errCode {code}: {expected[i].Text}");
            }
            if (WithoutCreateTime(expected[i].Text) != WithoutCreateTime(actual[i].Text))
            {
                wrong.Add($"{Cases[i].Path} #{i} on PostgreSQL: {actual[i].Text}\n  on the embedded store: {expected[i].Text}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    private static async Task<List<ApiAnswer>> AskAllAsync(ServerProcess server)
    {
        (await server.PostAsync("/user/user_register", new { secret = Secret, users = new[] { new { userID = "u1", nickname = "nick-u1" } } })).AssertOk();
        var admin = (await server.PostAsync("/auth/get_admin_token", new { secret = Secret, userID = "imAdmin" })).Token;
        var user = (await server.PostAsync("/auth/user_token", new { secret = Secret, platformID = 1, userID = "u1" })).Token;
        var answers = new List<ApiAnswer>();
        foreach (var (path, body, caller, _, _) in Cases)
        {
            answers.Add(await server.PostAsync(path, body, caller switch { Caller.Admin => admin, Caller.User => user, _ => null }));
        }
        return answers;
    }

    // Each server registered u1 at its own moment.
    private static string WithoutCreateTime(string envelope) => CreateTime().Replace(envelope, "\"createTime\":0");

    [GeneratedRegex("\"createTime\":[0-9]+")]
    private static partial Regex CreateTime();
}
