using System.Buffers;
using System.Threading.Channels;
using OpenImAuth.Core;
using OpenImAuth.Core.Audit;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Server.Hosting;
using OpenImAuth.Server.Security;

namespace OpenImAuth.Server.Audit;

/// <summary>
/// Where handlers record audit entries. <see cref="Record"/> only queues: the entry reaches the store in a batch, off
/// the request's path (<see cref="AuditWriter"/>). A full queue drops the entry and counts it
/// (<c>openimauth_audit_dropped_total</c>, and a warning from the writer): a request never waits for the audit log.
/// </summary>
internal sealed class AuditTrail(ServerSettings settings, TimeProvider time, StoreLifecycle stores)
{
    /// <summary>Entries queued at most; about 20 MB of small entries, several seconds of logins at full speed.</summary>
    public const int QueueCapacity = 65_536;

    // Longer text (a user ID as sent, an error's message) is cut: an entry must stay small, whatever a client sends.
    private const int MaxTextLength = 256;

    // U+0000 and every surrogate: text without any (nearly all of it) is stored as it is, without a copy.
    private static readonly SearchValues<char> Unstorable =
        SearchValues.Create("\0" + string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

    private readonly Channel<AuditEntry> _queue = Channel.CreateBounded<AuditEntry>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private long _dropped;

    public bool Enabled { get; } = settings.Audit.Enabled;

    /// <summary>Where the entries are stored, and searched.</summary>
    public IAuditStore Store => stores.Opened.Audit;

    internal ChannelReader<AuditEntry> Queue => _queue.Reader;

    /// <summary>
    /// Queues an entry about the request <paramref name="http"/> (its <c>operationID</c> and client address). The
    /// caller passes no secret and no token: <paramref name="detail"/> is a few words of its own.
    /// </summary>
    public void Record(HttpContext http, string action, string actor, string userId, int platformId, int errCode, string detail)
    {
        if (!Enabled)
        {
            return;
        }
        var entry = new AuditEntry(time.GetUtcNow().ToUnixTimeMilliseconds(), action, Storable(http.Request.Headers["operationID"].ToString()),
            Storable(actor), Storable(userId), platformId, ClientAddress.Of(http), errCode, Storable(detail));
        if (!_queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
            OpenImAuthMetrics.AuditDropped(1);
        }
    }

    /// <summary>How many entries were dropped since the last call.</summary>
    internal long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>No more entries: the writer stores what is queued and stops.</summary>
    internal void Complete() => _queue.Writer.TryComplete();

    /// <summary>
    /// Text every store can hold: PostgreSQL cannot store U+0000 or half of a surrogate pair (and would refuse the whole
    /// batch), so they become U+FFFD; and at most <see cref="MaxTextLength"/> characters, never cut inside a pair.
    /// </summary>
    internal static string Storable(string text)
    {
        if (text.Length > MaxTextLength)
        {
            text = text[..(char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength)];
        }
        if (!text.AsSpan().ContainsAny(Unstorable))
        {
            return text;
        }
        return string.Create(text.Length, text, static (destination, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                var paired = char.IsHighSurrogate(c) ? i + 1 < source.Length && char.IsLowSurrogate(source[i + 1])
                    : char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(source[i - 1]);
                destination[i] = c == '\0' || (char.IsSurrogate(c) && !paired) ? '\uFFFD' : c;
            }
        });
    }
}
