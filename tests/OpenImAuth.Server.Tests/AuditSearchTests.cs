using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Tests.Infrastructure;
using OpenImAuth.Tests.Shared;

namespace OpenImAuth.Server.Tests;

/// <summary><c>/audit/search</c> on the in-memory host: its arguments, who may call it, and the switches of the log.</summary>
public sealed class AuditSearchTests
{
    private static readonly TimeSpan Written = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string> BadArguments => new()
    {
        { """{}""", "pagination is empty" },
        { """{"pagination":{"showNumber":10}}""", "pagination.pageNumber must be 1 or more" },
        { """{"pagination":{"pageNumber":1}}""", "pagination.showNumber must be 1 to 1000" },
        { """{"pagination":{"pageNumber":1,"showNumber":1001}}""", "pagination.showNumber must be 1 to 1000" },
        { """{"pagination":{"pageNumber":1,"showNumber":0}}""", "pagination.showNumber must be 1 to 1000" },
        { """{"from":5,"to":4,"pagination":{"pageNumber":1,"showNumber":10}}""", "from (5) is after to (4)" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task Search_Answers1001NamingTheField_ForBadArguments(string body, string detail)
    {
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();

        var (status, text) = await app.PostRawAsync("/audit/search", body, admin);

        Assert.Equal(200, status);
        Assert.Equal($$"""{"errCode":1001,"errMsg":"ArgsError","errDlt":"{{detail}}: [1001]ArgsError"}""", text);
    }

    [Fact]
    public async Task Search_RefusesAnOrdinaryUsersToken_AndRecordsTheRefusal()
    {
        // Arrange
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();
        await app.RegisterAsync("mallory");
        var token = await app.UserTokenAsync("mallory", 1);

        // Act
        var refused = await app.PostAsync("/audit/search", new { pagination = AuditLogTests.Page(1, 10) }, token);
        var malformed = await app.PostAsync("/audit/search", new { pagination = AuditLogTests.Page(1, 10) }, "not-a-token");

        // Assert
        refused.AssertError(1002);
        malformed.AssertError(1503);
        var entries = await Eventually.UntilAsync(
            () => app.PostAsync("/audit/search", new { action = "admin_token_refused", pagination = AuditLogTests.Page(1, 10) }, admin),
            answer => answer.Data.GetProperty("total").GetInt64() >= 2, Written, "two refusals");
        Assert.Equal([1503, 1002], entries.Data.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("errCode").GetInt32()));
    }

    [Fact]
    public async Task Disabled_RecordsNothing_AndSearchStillAnswers()
    {
        // Arrange
        await using var app = new AuthApplication("v3", ("audit:enable", "false"));
        var admin = await app.AdminTokenAsync();
        await app.RegisterAsync("quiet");

        // Act: stopping the writer stores whatever was queued.
        await StopWriterAsync(app);
        var answer = await app.PostAsync("/audit/search", new { pagination = AuditLogTests.Page(1, 10) }, admin);

        // Assert
        answer.AssertOk();
        Assert.Equal(0, answer.Data.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Stopping_StoresWhatIsQueued()
    {
        // Arrange
        await using var app = new AuthApplication();
        var admin = await app.AdminTokenAsync();
        await app.RegisterAsync("late");

        // Act: no waiting for the writer, which rests between batches.
        await StopWriterAsync(app);
        var total = await TotalAsync(app, admin);

        // Assert
        Assert.Equal(2, total);
    }

    private static async Task StopWriterAsync(AuthApplication app) =>
        await app.Services.GetServices<IHostedService>().OfType<AuditWriter>().Single().StopAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Retention_PrunesEntriesOnceOlderThanItsDays()
    {
        // Arrange: entries of now, then a day and an hour later, with a retention of one day.
        await using var app = new AuthApplication("v3", ("audit:retentionDays", "1"));
        var admin = await app.AdminTokenAsync();
        await app.RegisterAsync("old");
        await Eventually.UntilAsync(() => TotalAsync(app, admin), total => total == 2, Written, "two entries");

        // Act: the hourly prune runs past the day.
        app.Time.Advance(TimeSpan.FromDays(1) + AuditRetention.Period);
        var remaining = await Eventually.UntilAsync(() => TotalAsync(app, admin), total => total == 0, Written, "pruned entries");

        // Assert
        Assert.Equal(0, remaining);
    }

    private static async Task<long> TotalAsync(AuthApplication app, string admin) =>
        (await app.PostAsync("/audit/search", new { pagination = AuditLogTests.Page(1, 10) }, admin)).Data.GetProperty("total").GetInt64();
}
