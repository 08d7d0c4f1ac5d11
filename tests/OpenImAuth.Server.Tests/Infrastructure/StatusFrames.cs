using System.Text;
using System.Text.Json;

namespace OpenImAuth.Server.Tests.Infrastructure;

/// <summary>
/// The 2005 frames as a client writes and reads them: a request whose data is a protobuf SubUserOnlineStatus, and the
/// SubUserOnlineStatusTips of replies and pushes, decoded to (userID, onlinePlatformIDs) pairs.
/// </summary>
public static class StatusFrames
{
    public static string Request(string sendId, string msgIncr, string[] subscribe, string[]? unsubscribe = null)
    {
        var data = new List<byte>();
        foreach (var (field, ids) in new[] { (1, subscribe), (2, unsubscribe ?? []) })
        {
            foreach (var id in ids)
            {
                var bytes = Encoding.UTF8.GetBytes(id);
                data.Add((byte)(field << 3 | 2));
                data.Add((byte)bytes.Length); // the tests' IDs are short
                data.AddRange(bytes);
            }
        }
        return JsonSerializer.Serialize(new
        {
            reqIdentifier = 2005, msgIncr, sendID = sendId, operationID = "op-" + msgIncr, data = Convert.ToBase64String(data.ToArray()),
        });
    }

    /// <summary>The users and platforms a 2005 frame's data carries, as <c>user:[1,5]</c>; empty for null data.</summary>
    public static List<string> Tips(GatewayFrame frame)
    {
        var json = frame.Json;
        Assert.Equal(2005, json.GetProperty("reqIdentifier").GetInt32());
        Assert.Equal(0, json.GetProperty("errCode").GetInt32());
        var tips = new List<string>();
        if (json.GetProperty("data").ValueKind == JsonValueKind.Null)
        {
            return tips;
        }
        var data = json.GetProperty("data").GetBytesFromBase64();
        var at = 0;
        while (at < data.Length)
        {
            Assert.Equal(0x0A, data[at++]);
            var end = at + 1 + data[at];
            at++;
            string userId = "";
            var platforms = new List<int>();
            while (at < end)
            {
                var key = data[at++];
                var length = data[at++];
                if (key == 0x0A)
                {
                    userId = Encoding.UTF8.GetString(data, at, length);
                }
                else
                {
                    Assert.Equal(0x12, key);
                    platforms.AddRange(data.AsSpan(at, length).ToArray().Select(b => (int)b)); // platform IDs fit a byte
                }
                at += length;
            }
            tips.Add($"{userId}:[{string.Join(',', platforms)}]");
        }
        return tips;
    }
}
