using System.Text.Json.Serialization;

namespace OpenImAuth.Storage.Redis;

/// <summary>The JSON of <see cref="StoredPresence"/>.</summary>
[JsonSerializable(typeof(StoredPresence))]
internal sealed partial class PresenceJson : JsonSerializerContext;
