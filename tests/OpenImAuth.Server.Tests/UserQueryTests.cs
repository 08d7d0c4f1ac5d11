using System.Text.Json;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>get_users_info, account_check, get_all_users_uid and get_users in both profiles.</summary>
public sealed class UserQueryTests
{
    [Theory]
    [InlineData("v3", 1004, 0)]
    [InlineData("v3.8", 0, 1)]
    public async Task GetUsersInfo_HandlesMissingIdsPerProfile(string profile, int code, int found)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var token = await app.UserTokenAsync("u1", 1);

        var answer = await app.PostAsync("/user/get_users_info", new { userIDs = new[] { "u1", "ghost", "u1" } }, token);

        Assert.Equal(code, answer.ErrCode);
        if (code == 0)
        {
            Assert.Equal(found, answer.Data.GetProperty("usersInfo").GetArrayLength());
        }
    }

    [Fact]
    public async Task GetUsersInfo_AnswersEmptyList_ForEmptyIds_And1001_ForNull()
    {
        await using var app = new AuthApplication();
        var token = await app.AdminTokenAsync();

        var empty = await app.PostAsync("/user/get_users_info", new { userIDs = Array.Empty<string>() }, token);
        var (_, missing) = await app.PostRawAsync("/user/get_users_info", "{}", token);

        Assert.Equal("""{"errCode":0,"errMsg":"","errDlt":"","data":{"usersInfo":[]}}""", empty.Text);
        Assert.StartsWith("""{"errCode":1001,""", missing, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v3", """{"results":[{"userID":"u1","accountStatus":"registered"},{"userID":"ghost","accountStatus":"unregistered"},{"userID":"imAdmin","accountStatus":"registered"}]}""")]
    [InlineData("v3.8", """{"results":[{"userID":"u1","accountStatus":1},{"userID":"ghost","accountStatus":0},{"userID":"imAdmin","accountStatus":1}]}""")]
    public async Task AccountCheck_AnswersInRequestOrder_InProfileShape(string profile, string expected)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();

        var answer = await app.PostAsync("/user/account_check", new { checkUserIDs = new[] { "u1", "ghost", "imAdmin" } }, admin);

        Assert.Equal(expected, answer.Data.GetRawText());
    }

    [Fact]
    public async Task AccountCheck_Fails_ForDuplicatesNullAndNonAdmin()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("u1");
        var admin = await app.AdminTokenAsync();
        var user = await app.UserTokenAsync("u1", 1);

        (await app.PostAsync("/user/account_check", new { checkUserIDs = new[] { "a", "a" } }, admin)).AssertError(1001);
        (await app.PostAsync("/user/account_check", new { checkUserIDs = (string[]?)null }, admin)).AssertError(1001);
        (await app.PostAsync("/user/account_check", new { checkUserIDs = new[] { "u1" } }, user)).AssertError(1002);
    }

    [Fact]
    public async Task GetAllUsersUid_PagesInRegistrationOrder_WithTotal()
    {
        await using var app = new AuthApplication();
        await app.RegisterAsync("a", "b", "c");
        var token = await app.UserTokenAsync("a", 1);

        var page2 = await app.PostAsync("/user/get_all_users_uid", new { pagination = new { pageNumber = 2, showNumber = 2 } }, token);
        var beyond = await app.PostAsync("/user/get_all_users_uid", new { pagination = new { pageNumber = 9, showNumber = 2 } }, token);

        // 4 configured administrators are seeded first, then a, b, c.
        Assert.Equal("""{"total":7,"userIDs":["openIMAdmin","imAdmin"]}""", page2.Data.GetRawText());
        Assert.Equal("""{"total":7,"userIDs":[]}""", beyond.Data.GetRawText());
    }

    [Theory]
    [InlineData("/user/get_all_users_uid", """{}""")]
    [InlineData("/user/get_all_users_uid", """{"pagination":{"pageNumber":0,"showNumber":10}}""")]
    [InlineData("/user/get_users", """{"pagination":null}""")]
    [InlineData("/user/get_users", """{"pagination":{"showNumber":10}}""")]
    public async Task Paging_Answers1001_ForMissingOrInvalidPagination(string path, string body)
    {
        await using var app = new AuthApplication();
        var token = await app.AdminTokenAsync();

        var (_, text) = await app.PostRawAsync(path, body, token);

        Assert.StartsWith("""{"errCode":1001,""", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v3", 6)]
    [InlineData("v3.8", 2)]
    public async Task GetUsers_ListsAdminsOnlyInV3(string profile, int total)
    {
        await using var app = new AuthApplication(profile);
        await app.RegisterAsync("alice", "bob");
        var token = await app.UserTokenAsync("alice", 1);

        var answer = await app.PostAsync("/user/get_users", new { pagination = new { pageNumber = 1, showNumber = 100 } }, token);

        Assert.Equal(total, answer.Data.GetProperty("total").GetInt64());
        Assert.Equal(total, answer.Data.GetProperty("users").GetArrayLength());
    }

    [Fact]
    public async Task GetUsers_FiltersByUserIdOrNicknameSubstring()
    {
        await using var app = new AuthApplication("v3.8");
        await app.RegisterAsync("alice", "bob", "carol");
        var token = await app.UserTokenAsync("alice", 1);

        var answer = await app.PostAsync("/user/get_users", new { pagination = new { pageNumber = 1, showNumber = 10 }, userID = "ALI", nickName = "-bob" }, token);
        var ids = answer.Data.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("userID").GetString()).ToArray();

        Assert.Equal(["alice", "bob"], ids);
        Assert.Equal(2, answer.Data.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task UserRoutes_Answer1507_ForTokenOfAnotherServer()
    {
        await using var app = new AuthApplication();
        await using var other = new AuthApplication();
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var foreign = await other.AdminTokenAsync();

        var answer = await app.PostAsync("/user/get_users", new { pagination = new { pageNumber = 1, showNumber = 1 } }, foreign);

        answer.AssertError(1507);
        Assert.Equal(JsonValueKind.Object, answer.Root.ValueKind);
    }
}
