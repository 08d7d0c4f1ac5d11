using System.Buffers;
using System.Text;

namespace OpenImAuth.Server.Gateway;

/// <summary>
/// The two protobuf messages of online-status subscriptions, by hand: <c>SubUserOnlineStatus</c> (1: repeated string
/// subscribeUserID, 2: repeated string unsubscribeUserID) and <c>SubUserOnlineStatusTips</c> (1: repeated
/// <c>SubUserOnlineStatusElem</c> {1: string userID, 2: packed repeated int32 onlinePlatformIDs}). Two messages do not
/// justify a protobuf dependency.
/// </summary>
internal static class StatusProto
{
    private const int LengthDelimited = 2;

    /// <summary>Null when the bytes are not a SubUserOnlineStatus (unknown fields are skipped, as protobuf does).</summary>
    public static SubscriptionRequest? ReadRequest(ReadOnlySpan<byte> data)
    {
        var subscribe = new List<string>();
        var unsubscribe = new List<string>();
        var at = 0;
        while (at < data.Length)
        {
            if (!TryVarint(data, ref at, out var key) || key >> 3 == 0)
            {
                return null;
            }
            var (field, wire) = (key >> 3, (int)(key & 7));
            if (!Skip(data, ref at, wire, out var value))
            {
                return null;
            }
            if (wire == LengthDelimited && field is 1 or 2)
            {
                string text;
                try
                {
                    text = new UTF8Encoding(false, true).GetString(value);
                }
                catch (DecoderFallbackException)
                {
                    return null; // proto3 strings must be UTF-8, and Go refuses others
                }
                (field == 1 ? subscribe : unsubscribe).Add(text);
            }
        }
        return new SubscriptionRequest(subscribe, unsubscribe);
    }

    /// <summary>SubUserOnlineStatusTips with one element per user, its platforms in the order given.</summary>
    public static byte[] WriteTips(IEnumerable<(string UserId, IReadOnlyList<int> PlatformIds)> users)
    {
        var output = new ArrayBufferWriter<byte>(64);
        var element = new ArrayBufferWriter<byte>(64);
        var packed = new ArrayBufferWriter<byte>(16);
        foreach (var (userId, platformIds) in users)
        {
            element.Clear();
            packed.Clear();
            if (userId.Length > 0)
            {
                WriteBytes(element, 1, Encoding.UTF8.GetBytes(userId));
            }
            foreach (var platformId in platformIds)
            {
                WriteVarint(packed, (ulong)(long)platformId); // int32: negatives take ten bytes, as protobuf writes them
            }
            if (packed.WrittenCount > 0)
            {
                WriteBytes(element, 2, packed.WrittenSpan);
            }
            WriteBytes(output, 1, element.WrittenSpan);
        }
        return output.WrittenSpan.ToArray();
    }

    private static void WriteBytes(ArrayBufferWriter<byte> output, int field, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(output, (ulong)(field << 3 | LengthDelimited));
        WriteVarint(output, (ulong)bytes.Length);
        output.Write(bytes);
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Write([(byte)(value | 0x80)]);
            value >>= 7;
        }
        output.Write([(byte)value]);
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Moves past one field's value; for a length-delimited field, <paramref name="value"/> is its bytes.</summary>
    private static bool Skip(ReadOnlySpan<byte> data, ref int at, int wire, out ReadOnlySpan<byte> value)
    {
        value = default;
        switch (wire)
        {
            case 0:
                return TryVarint(data, ref at, out _);
            case 1 or 5:
                var size = wire == 1 ? 8 : 4;
                at += size;
                return at <= data.Length;
            case LengthDelimited:
                if (!TryVarint(data, ref at, out var length) || length > (ulong)(data.Length - at))
                {
                    return false;
                }
                value = data.Slice(at, (int)length);
                at += (int)length;
                return true;
            default:
                return false; // groups are long gone from protobuf, and nothing sends them here
        }
    }
}
