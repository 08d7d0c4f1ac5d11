namespace OpenImAuth.Storage.Sqlite;

/// <summary>
/// When the token log is compacted: once it holds more than twice as many rows as there are live tokens, plus
/// <paramref name="Floor"/>, its oldest <paramref name="Chunk"/> rows at a time, at most once per half a chunk of
/// rows appended by writes (so that a chunk of rows that are all still live, moved to the end, does not make every
/// following batch compact again).
/// </summary>
internal sealed record TokenLogLimits(int Floor, int Chunk)
{
    public static TokenLogLimits Default { get; } = new(Floor: 10_000, Chunk: 4096);

    public bool IsExceeded(long rows, long liveTokens) => rows > 2 * liveTokens + Floor;
}
