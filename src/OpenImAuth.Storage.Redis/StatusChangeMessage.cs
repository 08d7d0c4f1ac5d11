using System.Text.Json.Serialization;

namespace OpenImAuth.Storage.Redis;

/// <summary>A status change as carried on the channel of <see cref="RedisStatusChangeBus"/>.</summary>
internal sealed record StatusChangeMessage(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("platformIDs")] IReadOnlyList<int>? PlatformIds);
