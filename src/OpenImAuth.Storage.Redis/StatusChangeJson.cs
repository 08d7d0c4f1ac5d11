using System.Text.Json.Serialization;

namespace OpenImAuth.Storage.Redis;

/// <summary>The JSON of <see cref="StatusChangeMessage"/>.</summary>
[JsonSerializable(typeof(StatusChangeMessage))]
internal sealed partial class StatusChangeJson : JsonSerializerContext;
