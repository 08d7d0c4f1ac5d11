using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Tests;

/// <summary>The settings through the options pipeline: read once, refused at start with the reader's own messages.</summary>
public sealed class ServerSettingsOptionsTests
{
    [Fact]
    public void ValidateOnStart_RefusesBadKeys_WithTheReadersMessages()
    {
        // Arrange
        using var services = Services(("tokenPolicy:expire", "soon"), ("storage:kind", "disk"));

        // Act
        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        // Assert: the messages start-up prints (docs/decisions.md, D11), in the order read
        Assert.Equal(
            [
                "tokenPolicy.expire: 'soon' is not a whole number",
                "storage.kind: 'disk' is not a store; use sqlite (one machine) or redis (Redis + PostgreSQL, scale-out)",
            ],
            refused.Failures);
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ServerSettings>());
    }

    [Fact]
    public void ValidSettings_AreTheOneReading_WhereverTheyAreAskedFor()
    {
        // Arrange
        using var services = Services(("tokenPolicy:expire", "7"));

        // Act
        services.GetRequiredService<IStartupValidator>().Validate();
        var settings = services.GetRequiredService<ServerSettings>();

        // Assert: the same instance as read, so the configuration was parsed once
        Assert.Equal(7, settings.Auth.TokenExpireDays);
        Assert.Same(services.GetRequiredService<ServerSettingsRead>().AsRead, settings);
        Assert.Same(settings, services.GetRequiredService<IOptionsMonitor<ServerSettings>>().CurrentValue);
    }

    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddServerSettings().BuildServiceProvider();
    }
}
