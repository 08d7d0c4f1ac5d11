using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Tests;

// Beyond OpenIM: the issuance time in milliseconds each token was stored with, and kicking one token alone.
public abstract partial class TokenStateStoreContractTests
{
    [Fact]
    public async Task IssuedAtMs_IsRecordedPerToken_AndSurvivesARestart()
    {
        // Arrange: two tokens of one second, issued 300 ms apart, and one stored without a time (as a Go node would).
        var first = Token("ms1", Platforms.Ios, 5) with { IssuedAtMs = Start.AddSeconds(5).ToUnixTimeMilliseconds() + 100 };
        var second = Token("ms1", Platforms.Android, 5) with { IssuedAtMs = Start.AddSeconds(5).ToUnixTimeMilliseconds() + 400 };
        var untimed = Token("ms1", Platforms.Web, 6);
        foreach (var token in new[] { first, second, untimed })
        {
            Assert.True(await Store.ApplyAsync(Add(token), Ct));
        }

        // Act
        await RestartAsync();

        // Assert
        Assert.Equal(first.IssuedAtMs, await Store.GetIssuedAtMsAsync("ms1", Platforms.Ios, first.Token, Ct));
        Assert.Equal(second.IssuedAtMs, await Store.GetIssuedAtMsAsync("ms1", Platforms.Android, second.Token, Ct));
        Assert.Null(await Store.GetIssuedAtMsAsync("ms1", Platforms.Web, untimed.Token, Ct));
        var times = await Store.GetIssuanceTimesAsync("ms1", Ct);
        Assert.Equal(2, times.Count);
        Assert.Equal(first.IssuedAtMs, times[first.Token]);
        Assert.Equal(second.IssuedAtMs, times[second.Token]);
    }

    [Fact]
    public async Task IssuedAtMs_IsForgotten_WithItsToken()
    {
        var timed = Token("ms2", Platforms.Ios, 0) with { IssuedAtMs = Start.ToUnixTimeMilliseconds() + 7 };
        Assert.True(await Store.ApplyAsync(Add(timed), Ct));

        Assert.True(await Store.ApplyAsync(new TokenStateChange("ms2", null, [], [timed]), Ct));

        Assert.Null(await Store.GetIssuedAtMsAsync("ms2", Platforms.Ios, timed.Token, Ct));
        Assert.Empty(await Store.GetIssuanceTimesAsync("ms2", Ct));
    }

    [Fact]
    public async Task KickToken_KicksThatTokenAlone_AndOnlyOnce()
    {
        // Arrange: two live tokens on one platform (a policy that allows it), one on another.
        var target = Token("one", Platforms.Ios, 0);
        var sibling = Token("one", Platforms.Ios, 1);
        var other = Token("one", Platforms.Android, 2);
        foreach (var token in new[] { target, sibling, other })
        {
            Assert.True(await Store.ApplyAsync(Add(token), Ct));
        }

        // Act
        var kicked = await Store.KickTokenAsync("one", Platforms.Ios, target.Token, Ct);
        var again = await Store.KickTokenAsync("one", Platforms.Ios, target.Token, Ct);
        var wrongPlatform = await Store.KickTokenAsync("one", Platforms.Android, sibling.Token, Ct);
        var unknown = await Store.KickTokenAsync("one", Platforms.Ios, Token("one", Platforms.Ios, 9).Token, Ct);

        // Assert
        Assert.Equal(target.Token, kicked?.Token);
        Assert.Null(again);
        Assert.Null(wrongPlatform);
        Assert.Null(unknown);
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("one", Platforms.Ios, target.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("one", Platforms.Ios, sibling.Token, Ct));
        Assert.Equal(TokenStatus.Normal, await Store.GetStatusAsync("one", Platforms.Android, other.Token, Ct));
        await RestartAsync();
        Assert.Equal(TokenStatus.Kicked, await Store.GetStatusAsync("one", Platforms.Ios, target.Token, Ct));
    }
}
