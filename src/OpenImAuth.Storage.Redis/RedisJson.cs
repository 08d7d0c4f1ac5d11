using System.Text.Json.Serialization;

namespace OpenImAuth.Storage.Redis;

/// <summary>The JSON of our Redis messages: DELETE_CACHE_AUTH key lists and revoked tokens.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(RevokedTokenMessage))]
[JsonSerializable(typeof(List<RevokedTokenMessage>))]
internal sealed partial class RedisJson : JsonSerializerContext;
