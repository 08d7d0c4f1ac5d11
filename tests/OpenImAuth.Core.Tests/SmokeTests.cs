namespace OpenImAuth.Core.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Platforms_NameOf_Ios() => Assert.Equal("IOS", Core.Tokens.Platforms.NameOf(1));
}
