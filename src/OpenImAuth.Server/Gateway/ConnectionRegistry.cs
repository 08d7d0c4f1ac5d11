using OpenImAuth.Core;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Presence;
using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// The live gateway connections of this instance, by user, and the connection limit. Kicks arrive here from the
/// revocation bus (on every instance, for every revoked token) and close exactly the connections that hold a revoked
/// token. One lock guards the map: connects, disconnects and kicks are rare next to frames, and OpenIM does the same.
/// </summary>
internal sealed partial class ConnectionRegistry : IDisposable
{
    private readonly IRevocationBus _revocations;
    private readonly TokenService _tokens;
    private readonly ILogger<ConnectionRegistry> _logger;
    private readonly int _maxConnections;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<GatewayConnection>> _byUser = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _slots;
    private int _count;
    private readonly SecretKeyring _keyring;
    private bool _shuttingDown;

    public ConnectionRegistry(ServerSettings settings, IRevocationBus revocations, TokenService tokens, ILogger<ConnectionRegistry> logger)
    {
        _maxConnections = settings.Gateway.MaxConnections;
        _revocations = revocations;
        _tokens = tokens;
        _logger = logger;
        // Subscribed before any connection can be registered, so no kick can miss one.
        _revocations.Revoked += KickRevoked;
        _revocations.Resynchronize += OnResynchronize;
        _revocations.TokensChanged += OnTokensChanged;
        if (_tokens.Marks is { } marks)
        {
            marks.Changed += OnMarkChanged;
        }
        _keyring = settings.Auth.Keyring;
        _keyring.Replaced += OnSecretsReplaced;
    }

    /// <summary>Registered connections, closing ones included.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes one of the <c>websocketMaxConnNum</c> slots for a connect in progress; false when all are taken.</summary>
    public bool TryReserve()
    {
        if (Interlocked.Increment(ref _slots) <= _maxConnections)
        {
            return true;
        }
        Interlocked.Decrement(ref _slots);
        return false;
    }

    public void ReleaseSlot() => Interlocked.Decrement(ref _slots);

    /// <summary>Registers an accepted connection; during shutdown it is closed at once instead of being served.</summary>
    public void Add(GatewayConnection connection)
    {
        bool shuttingDown;
        lock (_gate)
        {
            var userId = connection.Presence.UserId;
            if (!_byUser.TryGetValue(userId, out var list))
            {
                _byUser[userId] = list = [];
            }
            list.Add(connection);
            _count++;
            OpenImAuthMetrics.GatewayConnectionOpened();
            shuttingDown = _shuttingDown;
        }
        if (shuttingDown)
        {
            connection.Close(CloseRequest.ShuttingDown);
        }
    }

    public void Remove(GatewayConnection connection)
    {
        lock (_gate)
        {
            var userId = connection.Presence.UserId;
            if (!_byUser.TryGetValue(userId, out var list) || !list.Remove(connection))
            {
                return;
            }
            if (list.Count == 0)
            {
                _byUser.Remove(userId);
            }
            _count--;
            OpenImAuthMetrics.GatewayConnectionClosed();
            if (_count == 0 && _shuttingDown)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>The open (not closing) connections of the given users, in connect order per user.</summary>
    public IReadOnlyList<PresenceEntry> Online(IEnumerable<string> userIds)
    {
        var found = new List<PresenceEntry>();
        lock (_gate)
        {
            foreach (var userId in userIds.Distinct(StringComparer.Ordinal))
            {
                if (_byUser.TryGetValue(userId, out var list))
                {
                    found.AddRange(list.Where(c => !c.IsClosing).Select(c => c.Presence));
                }
            }
        }
        return found;
    }

    /// <summary>Sends the kick frame to, and closes, every connection that logged in with one of the revoked tokens.</summary>
    public void KickRevoked(IReadOnlyList<StoredToken> revoked)
    {
        var kicked = new List<GatewayConnection>();
        lock (_gate)
        {
            foreach (var token in revoked)
            {
                if (_byUser.TryGetValue(token.UserId, out var list))
                {
                    kicked.AddRange(list.Where(c => c.Presence.Token == token.Token));
                }
            }
        }
        foreach (var connection in kicked)
        {
            connection.Close(CloseRequest.Kicked);
        }
    }

    /// <summary>
    /// The revocation channel was interrupted, so kicks may have been missed: check every open connection's token
    /// against the store again and kick those that are no longer good.
    /// </summary>
    /// <remarks>All connections when <paramref name="userIds"/> is null; only theirs when the store announced that their token state changed.</remarks>
    public async Task RecheckAsync(IReadOnlyList<string>? userIds)
    {
        List<GatewayConnection> open;
        lock (_gate)
        {
            var lists = userIds is null
                ? _byUser.Values
                : userIds.Select(id => _byUser.GetValueOrDefault(id)).OfType<List<GatewayConnection>>();
            open = lists.SelectMany(list => list).Where(c => !c.IsClosing).ToList();
        }
        foreach (var connection in open)
        {
            var check = await _tokens.CheckAsync(connection.Presence.Token, CancellationToken.None);
            if (check.Error is { Code: ErrorCodes.TokenKickedError or ErrorCodes.TokenNotExistError or ErrorCodes.TokenUnknownError })
            {
                connection.Close(CloseRequest.Kicked);
            }
        }
    }

    private void OnResynchronize() => RecheckInBackground(null);

    private void OnTokensChanged(IReadOnlyList<string> userIds) => RecheckInBackground(userIds);

    /// <summary>The secrets were reloaded: connections whose tokens only a secret now taken out signed close (1505).</summary>
    private void OnSecretsReplaced() => RecheckInBackground(null);

    /// <summary>A revocation mark changed (revoke_tokens): the connections of its scope whose tokens it now refuses close.</summary>
    private void OnMarkChanged(Core.Revocation.RevocationMark mark) => RecheckInBackground(mark.IsAppWide ? null : [mark.UserId]);

    private async void RecheckInBackground(IReadOnlyList<string>? userIds)
    {
        try
        {
            await RecheckAsync(userIds);
        }
        catch (Exception ex)
        {
            LogRecheckFailed(_logger, ex); // the store is down again; the next restore triggers another pass
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-checking gateway connections after a revocation channel outage failed")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception);

    /// <summary>Closes every connection with a close frame, and any that arrives later; see <see cref="WaitDrainedAsync"/>.</summary>
    public void CloseAll(CloseRequest request)
    {
        List<GatewayConnection> all;
        lock (_gate)
        {
            _shuttingDown = true;
            all = _byUser.Values.SelectMany(list => list).ToList();
            if (_count == 0)
            {
                _drained.TrySetResult();
            }
        }
        foreach (var connection in all)
        {
            connection.Close(request);
        }
    }

    /// <summary>Completes once <see cref="CloseAll"/> was called and the last connection has ended.</summary>
    public Task WaitDrainedAsync(CancellationToken cancellationToken) => _drained.Task.WaitAsync(cancellationToken);

    public void Dispose()
    {
        _revocations.Revoked -= KickRevoked;
        _revocations.Resynchronize -= OnResynchronize;
        _revocations.TokensChanged -= OnTokensChanged;
        if (_tokens.Marks is { } marks)
        {
            marks.Changed -= OnMarkChanged;
        }
        _keyring.Replaced -= OnSecretsReplaced;
    }
}
