namespace OpenImAuth.Server.Configuration;

/// <summary>What reading the sources found: an error that stops start-up, or the settings set but never read.</summary>
internal sealed record SourcesRead(string? Error, IReadOnlyList<string> UnknownSettings);
