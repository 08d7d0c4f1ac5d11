using Microsoft.Extensions.DependencyInjection;
using OpenImAuth.Server.Hosting;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Tests.Infrastructure;

namespace OpenImAuth.Server.Tests;

/// <summary>
/// The registered-users memory filled without logins: from the store at start-up, and by registration.
/// </summary>
public sealed class RegisteredUsersLearningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LearnRegistered_RemembersEveryRegisteredUser_AcrossPages_SoLookupsSkipTheStore()
    {
        // Arrange: five users, read two at a time
        var store = new HeldUserStore("alice", "bob", "carol", "dave", "erin");
        var registered = new RegisteredUsers(store);

        // Act
        var read = await registered.LearnRegisteredAsync(Ct, pageSize: 2);

        // Assert: three pages; the registered are answered without a store call, anyone else still asks the store
        Assert.Equal(5, read);
        Assert.Equal([(0, 2), (20, 2), (40, 2)], store.Pages);
        Assert.All(await Task.WhenAll(store.Registered.Select(id => registered.ExistsAsync(id, Ct).AsTask())), Assert.True);
        Assert.Empty(store.Calls);
        store.Release();
        Assert.False(await registered.ExistsAsync("mallory", Ct));
        Assert.Equal([["mallory"]], store.Calls);
    }

    [Fact]
    public async Task LearnRegistered_StopsAtItsLimit_LeavingRoomForTheUsersWhoLogIn()
    {
        // Arrange
        var store = new HeldUserStore("alice", "bob", "carol", "dave", "erin");
        var registered = new RegisteredUsers(store);

        // Act
        var read = await registered.LearnRegisteredAsync(Ct, pageSize: 2, limit: 3);

        // Assert: the oldest three, and no page beyond the limit
        Assert.Equal(3, read);
        Assert.Equal([(0, 2), (20, 1)], store.Pages);
        Assert.True(registered.Remembers("carol"));
        Assert.False(registered.Remembers("dave"));
    }

    [Fact]
    public async Task RestartedServer_RemembersTheUsersRegisteredBefore_WithoutALogin()
    {
        // Arrange: users registered by an earlier run on the same embedded store
        var dataDir = Directory.CreateTempSubdirectory("openimauth-test-").FullName;
        try
        {
            await using (var earlier = new AuthApplication("v3", ("storage:dataDir", dataDir)))
            {
                await earlier.RegisterAsync("alice", "bob");
            }

            // Act
            await using var app = new AuthApplication("v3", ("storage:dataDir", dataDir));
            _ = app.Server; // starts the host
            var warmUp = app.Services.GetRequiredService<RegisteredUsersWarmUp>();
            await warmUp.ExecuteTask!.WaitAsync(Ct);

            // Assert
            var registered = app.Services.GetRequiredService<AuthServices>().Registered;
            Assert.True(registered.Remembers("alice"));
            Assert.True(registered.Remembers("bob"));
            Assert.False(registered.Remembers("carol"));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Registration_RemembersTheNewUsers_OnlyWhenItSucceeds()
    {
        // Arrange: the start-up read is over, so what is remembered below came from registration
        await using var app = new AuthApplication();
        _ = app.Server;
        await app.Services.GetRequiredService<RegisteredUsersWarmUp>().ExecuteTask!.WaitAsync(Ct);
        await app.RegisterAsync("alice");
        var registered = app.Services.GetRequiredService<AuthServices>().Registered;

        // Act: bob with alice again fails as a whole (1102), so bob is not registered
        var refused = await app.PostAsync("/user/user_register", new
        {
            secret = AuthApplication.Secret,
            users = new[] { new { userID = "bob", nickname = "b" }, new { userID = "alice", nickname = "a" } },
        });

        // Assert
        refused.AssertError(1102);
        Assert.True(registered.Remembers("alice"));
        Assert.False(registered.Remembers("bob"));
    }
}
