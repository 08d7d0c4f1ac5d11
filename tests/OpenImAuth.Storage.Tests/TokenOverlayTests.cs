using OpenImAuth.Core.Tokens;
using static OpenImAuth.Storage.Tests.SqliteTokenParts;

namespace OpenImAuth.Storage.Tests;

/// <summary>
/// What embedded token writes decide from: memory overlaid with the open transaction's changes, which memory itself
/// takes only once they commit. On a real file, because a decision appends its rows to the log as it goes.
/// </summary>
public sealed class TokenOverlayTests
{
    private static readonly StoredToken First = Token("a", "u1", Platforms.Ios, 100);
    private static readonly StoredToken Second = Token("b", "u1", Platforms.Android, 101);

    [Fact]
    public async Task AWrite_SeesTheChangesOfEarlierWritesInItsTransaction_WhichMemoryTakesOnlyAfterCommit()
    {
        // Arrange
        await using var parts = await OpenAsync();
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", First, [], [])));
        int? statusInMemory = null;
        List<StoredToken>? view = null;

        // Act: one transaction kicks the first token, then stores a second on the basis of the kick
        var rows = await parts.WriteAsync(() =>
        {
            var kicked = parts.Overlay.KickToken("u1", Platforms.Ios, First.Token);
            var basis = new[] { First with { Status = TokenStatus.Kicked } };
            var added = parts.Overlay.Apply(new TokenStateChange("u1", Second, [], [], basis));
            statusInMemory = parts.Mirror.Find("u1", Platforms.Ios, First.Token)?.Status;
            view = [.. parts.Overlay.View("u1")];
            return [.. kicked, .. added!];
        });

        // Assert: the transaction saw its own kick; memory did not until it committed
        Assert.Equal(TokenStatus.Normal, statusInMemory);
        Assert.Equal([First with { Status = TokenStatus.Kicked }, Second], view);
        Assert.Equal([First with { Status = TokenStatus.Kicked }, Second], rows!.Select(row => row.State));
        Assert.Equal([First with { Status = TokenStatus.Kicked }, Second], parts.Mirror.ToStored("u1"));
    }

    [Fact]
    public async Task Apply_RefusesAChangeWhoseBasisIsStale_AndAppendsNothing()
    {
        // Arrange
        await using var parts = await OpenAsync();
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", First, [], [])));

        // Act: a basis taken before the first token was stored
        var rows = await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", First with { Token = "c" }, [], [], [])));

        // Assert
        Assert.Null(rows);
        Assert.Equal([First], parts.Mirror.ToStored("u1"));
        Assert.Equal([First], (await parts.ReplayAsync()).ToStored("u1"));
    }

    [Fact]
    public async Task Clear_DropsTheView_SoThatTheNextTransactionStartsFromMemory()
    {
        // Arrange: a transaction that kicks the first token, then fails and is rolled back
        await using var parts = await OpenAsync();
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", First, [], [])));
        var failing = parts.WriteAsync(() =>
        {
            parts.Overlay.KickToken("u1", Platforms.Ios, First.Token);
            throw new InvalidOperationException("refused");
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);

        // Act
        var view = await parts.Database.Writer.WriteAsync(_ => parts.Overlay.View("u1").ToList());

        // Assert
        Assert.Equal([First], view);
    }

    [Fact]
    public async Task Keeps_TellsWhetherTheOpenTransactionLeftACommittedStateAsItIs()
    {
        // Arrange
        await using var parts = await OpenAsync();
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", First, [], [])));

        // Act
        var answers = await parts.Database.Writer.WriteAsync(_ =>
        {
            var unread = parts.Overlay.Keeps("u1", First);
            parts.Overlay.KickPlatform("u1", Platforms.Ios);
            return (unread, normal: parts.Overlay.Keeps("u1", First), kicked: parts.Overlay.Keeps("u1", First with { Status = TokenStatus.Kicked }),
                otherUser: parts.Overlay.Keeps("u2", Second));
        });

        // Assert
        Assert.Equal((true, false, true, true), answers);
    }

    [Fact]
    public async Task KickPlatform_KicksEveryUnkickedTokenOfThatPlatform_Only()
    {
        // Arrange: two tokens on iOS, one of them kicked already, and one on Android
        await using var parts = await OpenAsync();
        var third = Token("c", "u1", Platforms.Ios, 102);
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", First, [], [])));
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", Second, [], [])));
        await parts.WriteAsync(() => parts.Overlay.Apply(new TokenStateChange("u1", third with { Status = TokenStatus.Kicked }, [], [])));

        // Act
        var rows = await parts.WriteAsync(() => parts.Overlay.KickPlatform("u1", Platforms.Ios));

        // Assert
        Assert.Equal([First with { Status = TokenStatus.Kicked }], rows!.Select(row => row.State));
        Assert.Equal([First with { Status = TokenStatus.Kicked }, Second, third with { Status = TokenStatus.Kicked }], parts.Mirror.ToStored("u1"));
    }
}
