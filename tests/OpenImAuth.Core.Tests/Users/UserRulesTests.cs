using OpenImAuth.Core.Users;

namespace OpenImAuth.Core.Tests.Users;

/// <summary>userID rules of the two profiles and the bounds of the profile fields (docs/decisions.md, D9).</summary>
public sealed class UserRulesTests
{
    [Theory]
    [InlineData("111111")]
    [InlineData("user_1")]
    [InlineData("a-b")]
    [InlineData("mail@example.com")]
    [InlineData("with space")]
    [InlineData("张三")]
    [InlineData("x")]
    public void CheckUserId_Accepts_ForV3(string userId)
    {
        // Act
        var error = UserRules.CheckUserId(userId, CompatProfile.V3);

        // Assert
        Assert.Null(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData(":")]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("nul\0")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0085")]
    public void CheckUserId_Refuses_ForV3(string userId)
    {
        // Act
        var error = UserRules.CheckUserId(userId, CompatProfile.V3);

        // Assert
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("111111")]
    [InlineData("user_1")]
    [InlineData("_")]
    [InlineData("张三")]
    [InlineData("Ünïcödé")]
    public void CheckUserId_Accepts_ForV38(string userId)
    {
        // Act
        var error = UserRules.CheckUserId(userId, CompatProfile.V3Point8);

        // Assert
        Assert.Null(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a-b")]
    [InlineData("mail@example.com")]
    [InlineData("a:b")]
    [InlineData("with space")]
    [InlineData("a.b")]
    [InlineData("tab\there")]
    [InlineData("emoji😀")]
    public void CheckUserId_Refuses_ForV38(string userId)
    {
        // Act
        var error = UserRules.CheckUserId(userId, CompatProfile.V3Point8);

        // Assert
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData(CompatProfile.V3)]
    [InlineData(CompatProfile.V3Point8)]
    public void CheckUserId_AcceptsSixtyFourCharacters_AndRefusesSixtyFive(CompatProfile profile)
    {
        // Arrange
        var longest = new string('a', UserRules.MaxUserIdLength);

        // Act
        var atLimit = UserRules.CheckUserId(longest, profile);
        var overLimit = UserRules.CheckUserId(longest + "a", profile);

        // Assert
        Assert.Equal(64, UserRules.MaxUserIdLength);
        Assert.Null(atLimit);
        Assert.NotNull(overLimit);
    }

    [Fact]
    public void CheckUserId_NamesColon_WhenV3RefusesIt()
    {
        // Act
        var error = UserRules.CheckUserId("a:b", CompatProfile.V3);

        // Assert
        Assert.Contains(":", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(255, 0, 0)]
    [InlineData(0, 255, 0)]
    [InlineData(0, 0, 1024)]
    [InlineData(255, 255, 1024)]
    public void CheckProfileFields_Accepts_AtTheBounds(int nickname, int faceUrl, int ex)
    {
        // Act
        var error = UserRules.CheckProfileFields(new string('n', nickname), new string('f', faceUrl), new string('e', ex), 0);

        // Assert
        Assert.Null(error);
    }

    [Theory]
    [InlineData(256, 0, 0, "nickname")]
    [InlineData(0, 256, 0, "faceURL")]
    [InlineData(0, 0, 1025, "ex")]
    public void CheckProfileFields_RefusesAndNamesField_BeyondTheBounds(int nickname, int faceUrl, int ex, string field)
    {
        // Act
        var error = UserRules.CheckProfileFields(new string('n', nickname), new string('f', faceUrl), new string('e', ex), 0);

        // Assert
        Assert.NotNull(error);
        Assert.StartsWith(field + " ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n\0", "", "", "nickname")]
    [InlineData("", "\0f", "", "faceURL")]
    [InlineData("", "", "e\0e", "ex")]
    public void CheckProfileFields_RefusesAndNamesField_WithU0000(string nickname, string faceUrl, string ex, string field)
    {
        // Act
        var error = UserRules.CheckProfileFields(nickname, faceUrl, ex, 0);

        // Assert
        Assert.Equal($"{field} contains U+0000", error);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(-1, false)]
    [InlineData(3, false)]
    public void CheckProfileFields_ChecksGlobalRecvMsgOpt(int option, bool valid)
    {
        // Act
        var error = UserRules.CheckProfileFields(null, null, null, option);

        // Assert
        Assert.Equal(valid, error is null);
    }

    [Fact]
    public void CheckProfileFields_Accepts_WhenEveryFieldIsAbsent()
    {
        // Act
        var error = UserRules.CheckProfileFields(null, null, null, null);

        // Assert
        Assert.Null(error);
    }
}
