using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>docs/decisions.md, D12: a success answer means the state survives SIGKILL of the real server process.</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("openimauth-durable-");

    [Fact]
    public async Task IssuedAndKickedTokens_SurviveSigkillAndRestart()
    {
        // Arrange: a server that issues tokens, some of which are then kicked by multi-login or force_logout.
        var port = ServerProcess.FreePort();
        var dataDir = $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}";
        var valid = new List<string>();
        var kicked = new List<string>();
        // Policy 4 (one login per class): an Android login kicks the same user's iOS token within one second.
        await using (var first = await ServerProcess.StartAsync(_directory.FullName, port, dataDir, "--multiLoginPolicy=4"))
        {
            var users = Enumerable.Range(0, 20).Select(i => new { userID = $"user{i}", nickname = $"n{i}" }).ToArray();
            (await first.PostAsync("/user/user_register", new { secret = "openIM123", users })).AssertOk();
            var admin = (await first.PostAsync("/auth/get_admin_token", new { secret = "openIM123", userID = "imAdmin" })).Token;
            valid.Add(admin);
            var issued = await Task.WhenAll(users.Select(async u =>
                (await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 5, userID = u.userID })).Token));
            for (var i = 0; i < issued.Length; i++)
            {
                if (i % 3 == 0)
                {
                    (await first.PostAsync("/auth/force_logout", new { platformID = 5, userID = users[i].userID }, admin)).AssertOk();
                    kicked.Add(issued[i]);
                }
                else if (i % 3 == 1)
                {
                    // Kicked by multi-login: the user's iOS token, replaced by an Android login.
                    kicked.Add((await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 1, userID = users[i].userID })).Token);
                    valid.Add((await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 2, userID = users[i].userID })).Token);
                    valid.Add(issued[i]);
                }
                else
                {
                    valid.Add(issued[i]);
                }
            }

            // Act: kill without any chance to flush, then start again on the same data directory.
            await first.KillAsync();
        }
        await using var second = await ServerProcess.StartAsync(_directory.FullName, port, dataDir);

        // Assert
        foreach (var token in valid)
        {
            (await second.PostAsync("/auth/parse_token", new { token })).AssertOk();
        }
        foreach (var token in kicked)
        {
            (await second.PostAsync("/auth/parse_token", new { token })).AssertError(1506);
        }
        Assert.Equal(21, valid.Count); // the admin token, 13 web tokens and 7 Android tokens
        Assert.Equal(14, kicked.Count); // 7 by force_logout, 7 by multi-login
    }

    [Fact]
    public async Task RevocationMarksAndRevokedSessions_SurviveSigkillAndRestart()
    {
        // Arrange: a mark on u1 between two of its logins (likely in one second, so only the recorded issuance times
        // tell them apart), and one revoked session of u2.
        var port = ServerProcess.FreePort();
        var dataDir = $"--storage.dataDir={Path.Combine(_directory.FullName, "data")}";
        string before, after, revoked, kept;
        await using (var first = await ServerProcess.StartAsync(_directory.FullName, port, dataDir))
        {
            var users = new[] { new { userID = "u1", nickname = "one" }, new { userID = "u2", nickname = "two" } };
            (await first.PostAsync("/user/user_register", new { secret = "openIM123", users })).AssertOk();
            var admin = (await first.PostAsync("/auth/get_admin_token", new { secret = "openIM123", userID = "imAdmin" })).Token;
            before = (await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 1, userID = "u1" })).Token;
            (await first.PostAsync("/auth/revoke_tokens", new { userID = "u1" }, admin)).AssertOk();
            after = (await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 2, userID = "u1" })).Token;
            revoked = (await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 1, userID = "u2" })).Token;
            kept = (await first.PostAsync("/auth/user_token", new { secret = "openIM123", platformID = 2, userID = "u2" })).Token;
            var sessions = await first.PostAsync("/auth/get_user_sessions", new { userID = "u2", pagination = new { pageNumber = 1, showNumber = 10 } }, admin);
            var sessionId = sessions.Data.GetProperty("sessions").EnumerateArray()
                .Single(s => s.GetProperty("platformID").GetInt32() == 1).GetProperty("sessionID").GetString();
            (await first.PostAsync("/auth/revoke_session", new { userID = "u2", sessionID = sessionId }, admin)).AssertOk();

            // Act: kill without any chance to flush, then start again on the same data directory.
            await first.KillAsync();
        }
        await using var second = await ServerProcess.StartAsync(_directory.FullName, port, dataDir);

        // Assert
        (await second.PostAsync("/auth/parse_token", new { token = before })).AssertError(1506);
        (await second.PostAsync("/auth/parse_token", new { token = after })).AssertOk();
        (await second.PostAsync("/auth/parse_token", new { token = revoked })).AssertError(1506);
        (await second.PostAsync("/auth/parse_token", new { token = kept })).AssertOk();
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
