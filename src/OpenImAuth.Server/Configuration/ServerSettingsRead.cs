namespace OpenImAuth.Server.Configuration;

/// <summary>
/// One reading of the configuration by <see cref="ServerSettings.ReadAll"/>: the settings as read, the errors that make
/// them unusable, each naming the key to fix (docs/decisions.md, D11), and warnings for settings that work but should
/// change. A key that failed holds its fallback in <paramref name="AsRead"/>, so nothing may use them while
/// <paramref name="Errors"/> has any.
/// </summary>
internal sealed record ServerSettingsRead(ServerSettings AsRead, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);
