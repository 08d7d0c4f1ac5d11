using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Core.Tests.Tokens;

/// <summary>The exact kick set of each multi-login policy (docs/decisions.md, W7), with the newest token always surviving.</summary>
public sealed class MultiLoginPlannerTests
{
    [Fact]
    public void Plan_KicksOldestBeyondMaxNumOneEnd_ForPolicy0()
    {
        // Arrange: iOS 2 + the new one = 3 > 2; Android 3 > 2; Web 1
        var live = new[]
        {
            T("ios-1", Platforms.Ios, 100), T("android-1", Platforms.Android, 101), T("ios-2", Platforms.Ios, 102),
            T("android-2", Platforms.Android, 103), T("web-1", Platforms.Web, 104), T("android-3", Platforms.Android, 105),
        };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.NoKick, 2, Platforms.Ios, live);

        // Assert
        Assert.Equal(["ios-1", "android-1"], Names(kicked));
    }

    [Fact]
    public void Plan_KicksNothing_ForPolicy0UnderTheLimit()
    {
        // Arrange
        var live = new[] { T("ios-1", Platforms.Ios, 100), T("ios-2", Platforms.Ios, 101), T("web-1", Platforms.Web, 102) };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.NoKick, 3, Platforms.Ios, live);

        // Assert
        Assert.Empty(kicked);
    }

    [Fact]
    public void Plan_KicksSamePlatformAndAllButNewestElsewhere_ForPolicy1()
    {
        // Arrange
        var live = new[]
        {
            T("ios-1", Platforms.Ios, 100), T("android-new", Platforms.Android, 300), T("ios-2", Platforms.Ios, 200),
            T("android-old", Platforms.Android, 150), T("web-1", Platforms.Web, 120), T("osx-1", Platforms.Osx, 130),
        };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.AllLoginButSameTermKick, 30, Platforms.Ios, live);

        // Assert: the whole iOS platform, and the older Android token; Web and OSX keep their only token
        Assert.Equal(["ios-1", "android-old", "ios-2"], Names(kicked));
    }

    [Fact]
    public void Plan_KeepsLaterListEntry_WhenIssuedAtTies()
    {
        // Arrange
        var first = T("android-a", Platforms.Android, 100);
        var second = T("android-b", Platforms.Android, 100);

        // Act
        var inListOrder = MultiLoginPlanner.Plan(MultiLoginPolicy.AllLoginButSameTermKick, 30, Platforms.Web, [first, second]);
        var reversed = MultiLoginPlanner.Plan(MultiLoginPolicy.AllLoginButSameTermKick, 30, Platforms.Web, [second, first]);

        // Assert
        Assert.Equal(["android-a"], Names(inListOrder));
        Assert.Equal(["android-b"], Names(reversed));
    }

    [Fact]
    public void Plan_KicksOwnClassAndAllButNewestOfOtherClasses_ForPolicy4()
    {
        // Arrange: new login on Windows (PC class)
        var live = new[]
        {
            T("windows-1", Platforms.Windows, 100), T("osx-1", Platforms.Osx, 110), T("linux-1", Platforms.Linux, 120),
            T("ios-1", Platforms.Ios, 130), T("android-1", Platforms.Android, 200), T("android-2", Platforms.Android, 140),
            T("web-1", Platforms.Web, 150), T("ipad-1", Platforms.IPad, 160), T("apad-1", Platforms.AndroidPad, 170),
        };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.AllLoginButSameClassKick, 30, Platforms.Windows, live);

        // Assert: every PC token; Mobile keeps android-1, Pad keeps apad-1, Web keeps its only token
        Assert.Equal(["windows-1", "osx-1", "linux-1", "ios-1", "android-2", "ipad-1"], Names(kicked));
    }

    [Fact]
    public void Plan_KicksEveryNonPCToken_ForPolicy5WhenNewLoginIsNotPC()
    {
        // Arrange
        var live = new[]
        {
            T("windows-1", Platforms.Windows, 100), T("ios-1", Platforms.Ios, 110), T("android-1", Platforms.Android, 120),
            T("web-1", Platforms.Web, 130), T("osx-1", Platforms.Osx, 140), T("ipad-1", Platforms.IPad, 150),
        };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.PCAndOther, 30, Platforms.Web, live);

        // Assert
        Assert.Equal(["ios-1", "android-1", "web-1", "ipad-1"], Names(kicked));
    }

    [Fact]
    public void Plan_KeepsNewestAndroidNonPCToken_ForPolicy5WhenNewLoginIsPC()
    {
        // Arrange: iOS and Web are newer, but Android is preferred as the one non-PC survivor
        var live = new[]
        {
            T("windows-1", Platforms.Windows, 100), T("android-old", Platforms.Android, 110), T("android-new", Platforms.Android, 120),
            T("ios-1", Platforms.Ios, 300), T("web-1", Platforms.Web, 200), T("linux-1", Platforms.Linux, 400),
        };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.PCAndOther, 30, Platforms.Osx, live);

        // Assert: no PC token is kicked
        Assert.Equal(["android-old", "web-1", "ios-1"], Names(kicked));
    }

    [Fact]
    public void Plan_KeepsNewestNonPCToken_ForPolicy5WhenNewLoginIsPCAndNoAndroid()
    {
        // Arrange
        var live = new[] { T("ios-1", Platforms.Ios, 300), T("web-1", Platforms.Web, 200), T("miniweb-1", Platforms.MiniWeb, 100) };

        // Act
        var kicked = MultiLoginPlanner.Plan(MultiLoginPolicy.PCAndOther, 30, Platforms.Windows, live);

        // Assert
        Assert.Equal(["miniweb-1", "web-1"], Names(kicked));
    }

    [Theory]
    [InlineData(MultiLoginPolicy.NoKick)]
    [InlineData(MultiLoginPolicy.AllLoginButSameTermKick)]
    [InlineData(MultiLoginPolicy.AllLoginButSameClassKick)]
    [InlineData(MultiLoginPolicy.PCAndOther)]
    public void Plan_KicksNothing_WhenNoLiveTokens(MultiLoginPolicy policy)
    {
        // Act
        var kicked = MultiLoginPlanner.Plan(policy, 30, Platforms.Ios, []);

        // Assert
        Assert.Empty(kicked);
    }

    [Theory]
    [InlineData(MultiLoginPolicy.NoKick, Platforms.Web, new[] { Platforms.Web })]
    [InlineData(MultiLoginPolicy.AllLoginButSameTermKick, Platforms.Android, new[] { Platforms.Android })]
    [InlineData(MultiLoginPolicy.AllLoginButSameClassKick, Platforms.Linux, new[] { Platforms.Windows, Platforms.Osx, Platforms.Linux })]
    [InlineData(MultiLoginPolicy.AllLoginButSameClassKick, Platforms.IPad, new[] { Platforms.AndroidPad, Platforms.IPad })]
    [InlineData(MultiLoginPolicy.PCAndOther, Platforms.Osx, new[]
    {
        Platforms.Ios, Platforms.Android, Platforms.Osx, Platforms.Web, Platforms.MiniWeb, Platforms.AndroidPad, Platforms.IPad,
        Platforms.HarmonyOS,
    })]
    [InlineData(MultiLoginPolicy.PCAndOther, Platforms.Web, new[]
    {
        Platforms.Ios, Platforms.Android, Platforms.Web, Platforms.MiniWeb, Platforms.AndroidPad, Platforms.IPad, Platforms.HarmonyOS,
    })]
    public void DecidingPlatforms_AreTheNewLoginsOwnGroup(MultiLoginPolicy policy, int newPlatformId, int[] expected)
    {
        // Act
        var deciding = MultiLoginPlanner.DecidingPlatforms(policy, newPlatformId);

        // Assert
        Assert.Equal(expected, Enumerable.Range(Platforms.Min, Platforms.Max).Where(deciding.Contains));
    }

    [Theory]
    [InlineData(MultiLoginPolicy.NoKick)]
    [InlineData(MultiLoginPolicy.AllLoginButSameTermKick)]
    [InlineData(MultiLoginPolicy.AllLoginButSameClassKick)]
    [InlineData(MultiLoginPolicy.PCAndOther)]
    public void Plan_KicksOnlyOnItsDecidingPlatforms_WhenTheTokensAlreadyObeyThePolicy(MultiLoginPolicy policy)
    {
        // Arrange: many random sets of live tokens that earlier logins under the same policy could have left (so no
        // extras to clean up), for a new login on every platform; seeded, so a failure repeats
        const int MaxNumOneEnd = 2;
        var random = new Random(20261126);
        var platforms = Enumerable.Range(Platforms.Min, Platforms.Max).Where(p => p != Platforms.Admin).ToArray();
        for (var round = 0; round < 500; round++)
        {
            var live = new List<StoredToken>();
            foreach (var platform in platforms.Where(_ => random.Next(2) == 0))
            {
                var count = policy == MultiLoginPolicy.NoKick ? random.Next(1, MaxNumOneEnd + 1) : 1;
                live.AddRange(Enumerable.Range(0, count).Select(i => T($"{platform}-{i}", platform, random.Next(1000))));
            }
            live = ObeyingPolicy(policy, live);
            live.Sort(StoredToken.OldestFirst);
            foreach (var newPlatform in platforms)
            {
                // Act
                var kicked = MultiLoginPlanner.Plan(policy, MaxNumOneEnd, newPlatform, live);

                // Assert
                var deciding = MultiLoginPlanner.DecidingPlatforms(policy, newPlatform);
                Assert.All(kicked, token => Assert.True(deciding.Contains(token.PlatformId),
                    $"{policy}: a login on {newPlatform} kicked {token.Token} outside its deciding platforms"));
            }
        }
    }

    /// <summary>What a policy leaves standing: one token per class under 4, at most one non-PC token under 5.</summary>
    private static List<StoredToken> ObeyingPolicy(MultiLoginPolicy policy, List<StoredToken> live) => policy switch
    {
        MultiLoginPolicy.AllLoginButSameClassKick => live.GroupBy(t => Platforms.ClassOf(t.PlatformId)).Select(g => g.First()).ToList(),
        MultiLoginPolicy.PCAndOther =>
            live.Where(t => Platforms.ClassOf(t.PlatformId) == PlatformClass.PC)
                .Concat(live.Where(t => Platforms.ClassOf(t.PlatformId) != PlatformClass.PC).Take(1)).ToList(),
        _ => live,
    };

    [Fact]
    public void DecidingPlatforms_AreAll_ForAnUnknownPolicy()
    {
        // Act
        var deciding = MultiLoginPlanner.DecidingPlatforms((MultiLoginPolicy)2, Platforms.Ios);

        // Assert
        Assert.Equal(Enumerable.Range(Platforms.Min, Platforms.Max), Enumerable.Range(0, 40).Where(deciding.Contains));
    }

    [Fact]
    public void Plan_Throws_ForUnimplementedPolicy()
    {
        // Arrange: 2 (SingleTerminalLogin) was defined by OpenIM but never implemented
        var live = new[] { T("ios-1", Platforms.Ios, 100) };

        // Act
        var plan = () => MultiLoginPlanner.Plan((MultiLoginPolicy)2, 30, Platforms.Ios, live);

        // Assert
        Assert.Throws<ArgumentOutOfRangeException>(plan);
    }

    [Fact]
    public void Plan_Throws_ForUnimplementedPolicy_WhenNoLiveTokens()
    {
        // Act: nothing to kick does not make an unknown policy acceptable
        var plan = () => MultiLoginPlanner.Plan((MultiLoginPolicy)2, 30, Platforms.Ios, []);

        // Assert
        Assert.Throws<ArgumentOutOfRangeException>(plan);
    }

    private static StoredToken T(string name, int platformId, long issuedAt) =>
        new(name, "u1", platformId, TokenStatus.Normal, issuedAt, issuedAt + 7776000);

    private static string[] Names(IEnumerable<StoredToken> tokens) => tokens.Select(t => t.Token).ToArray();
}
