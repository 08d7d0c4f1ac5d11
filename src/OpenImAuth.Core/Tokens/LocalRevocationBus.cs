namespace OpenImAuth.Core.Tokens;

/// <summary>The bus of a single instance: publishing raises <see cref="Revoked"/> directly.</summary>
public sealed class LocalRevocationBus : IRevocationBus
{
    public event Action<IReadOnlyList<StoredToken>>? Revoked;

    // In-process delivery cannot be interrupted.
    public event Action? Resynchronize
    {
        add { }
        remove { }
    }

    // Alone, nobody else changes the store: every revocation is published above.
    public event Action<IReadOnlyList<string>>? TokensChanged
    {
        add { }
        remove { }
    }

    public Task PublishAsync(IReadOnlyList<StoredToken> revoked, CancellationToken cancellationToken)
    {
        Revoked?.Invoke(revoked);
        return Task.CompletedTask;
    }
}
