using System.Text.Json.Serialization;
using OpenImAuth.Core.Presence;

namespace OpenImAuth.Storage.Redis;

/// <summary>A connection as <see cref="RedisPresenceDirectory"/> keeps it: the instance that holds it, and the entry.</summary>
internal sealed record StoredPresence(
    [property: JsonPropertyName("instance")] string InstanceId,
    [property: JsonPropertyName("entry")] PresenceEntry Entry);
