namespace OpenImAuth.Server.Gateway;

/// <summary>
/// Graceful shutdown (SIGTERM, Ctrl+C, StopApplication): as soon as stopping starts, every connection gets a close frame
/// (1001 going away) instead of a dropped socket, and stopping waits until they have ended or the host's shutdown
/// timeout runs out. A client that is told the server is going away reconnects elsewhere without waiting for a timeout.
/// </summary>
internal sealed class GatewayLifetime(ConnectionRegistry registry, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopping fires before the server stops accepting and before any hosted service stops.
        _stopping = lifetime.ApplicationStopping.Register(static state =>
            ((ConnectionRegistry)state!).CloseAll(CloseRequest.ShuttingDown), registry);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        registry.CloseAll(CloseRequest.ShuttingDown);
        try
        {
            await registry.WaitDrainedAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out; the server aborts whatever is left.
        }
        await _stopping.DisposeAsync();
    }
}
