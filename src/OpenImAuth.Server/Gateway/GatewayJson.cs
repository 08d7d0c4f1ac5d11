using System.Text.Json.Serialization;

namespace OpenImAuth.Server.Gateway;

/// <summary>Keys match case-insensitively on input, as Go's encoding/json does; null values are written, as Go does.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(GatewayRequest))]
[JsonSerializable(typeof(GatewayResponse))]
[JsonSerializable(typeof(TextMessage))]
[JsonSerializable(typeof(HandshakeResult))]
internal sealed partial class GatewayJson : JsonSerializerContext;
