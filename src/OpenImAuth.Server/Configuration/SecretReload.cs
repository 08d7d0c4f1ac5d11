namespace OpenImAuth.Server.Configuration;

/// <summary>
/// Puts a changed <c>secret</c> and <c>previousSecrets</c> in force without a restart: the config file is read again
/// when it changes, validated as start-up validates it, and the keyring swapped whole, so that connections stay open
/// and a token of the old secret keeps working while the operator lists it under <c>previousSecrets</c>. A file that
/// would not start the server is refused with one line, and the secrets in force stay. Other keys need a restart.
/// </summary>
internal sealed partial class SecretReload(ServerSettings settings, ILogger<SecretReload> logger,
    string path, string[] args) : BackgroundService
{
    /// <summary>
    /// The file is polled, not watched: inotify misses a Kubernetes ConfigMap's symlink swap and edits through some
    /// bind mounts, and reports a file mid-write. The file is small, so reading it whole is cheap, and a change is
    /// applied once two reads in a row agree (a file being written is never applied half-way): within two polls.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    // Reload keys: everything under them reloads; any other key of the file that changes needs a restart.
    private static readonly string[] ReloadedKeys = ["secret", "previousSecrets"];

    private byte[]? _applied = Read(path);
    private byte[]? _pending;
    private bool _hasPending;
    private Dictionary<string, string?> _appliedKeys = FileKeys(path, Read(path), args);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time, not the app's TimeProvider: a clock that jumps (a test's fake one, by days) would fire a periodic
        // timer once for every poll skipped, millions of file reads in one jump.
        using var timer = new PeriodicTimer(PollInterval, TimeProvider.System);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                Poll();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReloadFailed(logger, path, ex); // the secrets in force stay; the next change is tried again
            }
        }
    }

    /// <summary>One look at the file: applies it once it has changed and holds still for a poll.</summary>
    internal void Poll()
    {
        byte[]? content;
        try
        {
            content = Read(path);
        }
        catch (IOException)
        {
            return; // being replaced; the next poll reads it
        }
        if (SameBytes(content, _applied))
        {
            _hasPending = false;
            return;
        }
        if (!_hasPending || !SameBytes(content, _pending))
        {
            (_pending, _hasPending) = (content, true);
            return;
        }
        (_pending, _hasPending) = (null, false);
        _applied = content;
        if (content is null)
        {
            LogRefused(logger, path, "the file is gone");
            return;
        }
        Apply(content);
    }

    private void Apply(byte[] content)
    {
        var (configuration, fileOnly, error) = ConfigurationSources.Reread(path, content, args);
        if (error is not null)
        {
            LogRefused(logger, path, error);
            return;
        }
        var (loaded, errors, warnings) = ServerSettings.Load(configuration!);
        if (loaded is null)
        {
            LogRefused(logger, path, string.Join("; ", errors));
            return;
        }
        foreach (var warning in warnings)
        {
            LogReloadWarning(logger, path, warning);
        }
        var keyring = settings.Auth.Keyring;
        var secrets = loaded.Auth.Keyring.Secrets;
        if (!keyring.Secrets.SameAs(secrets))
        {
            keyring.Replace(secrets);
            LogSecretsReloaded(logger, path, secrets.Previous.Count);
        }
        var keys = Flatten(fileOnly!);
        var changed = keys.Keys.Union(_appliedKeys.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => !IsReloaded(key) && keys.GetValueOrDefault(key) != _appliedKeys.GetValueOrDefault(key))
            .Select(key => key.Replace(':', '.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (changed.Count > 0)
        {
            LogNeedsRestart(logger, path, string.Join(", ", changed));
        }
        _appliedKeys = keys;
    }

    private static bool IsReloaded(string key) => ReloadedKeys.Any(reloaded =>
        key.Equals(reloaded, StringComparison.OrdinalIgnoreCase) || key.StartsWith(reloaded + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>The file's bytes, or null when there is no file.</summary>
    private static byte[]? Read(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool SameBytes(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static Dictionary<string, string?> FileKeys(string path, byte[]? content, string[] args) =>
        content is not null && ConfigurationSources.Reread(path, content, args).FileOnly is { } fileOnly
            ? Flatten(fileOnly)
            : new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    private static Dictionary<string, string?> Flatten(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config reload: {path} changed; secret and previousSecrets ({previousCount} previous) are in force")]
    private static partial void LogSecretsReloaded(ILogger logger, string path, int previousCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Config reload refused: {path}: {problem}; the secret and previousSecrets in force stay")]
    private static partial void LogRefused(ILogger logger, string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config reload: {path}: {warning}")]
    private static partial void LogReloadWarning(ILogger logger, string path, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config reload: {path}: {keys} changed and take effect at the next restart (only secret and previousSecrets reload)")]
    private static partial void LogNeedsRestart(ILogger logger, string path, string keys);

    [LoggerMessage(Level = LogLevel.Error, Message = "Config reload of {path} failed; the secret and previousSecrets in force stay")]
    private static partial void LogReloadFailed(ILogger logger, string path, Exception exception);
}
