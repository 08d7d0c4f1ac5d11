using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenImAuth.Server.Auth;

/// <summary>Reads any JSON value as a <see cref="RequestedExpiry"/>: a whole number that fits Int64, or not one.</summary>
internal sealed class RequestedExpiryConverter : JsonConverter<RequestedExpiry>
{
    // Go leaves a field that is sent as null at its zero value; so does this.
    public override bool HandleNull => true;

    public override RequestedExpiry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return default;
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var seconds) ? new RequestedExpiry(seconds) : new RequestedExpiry(0, NotAnInteger: true);
            default:
                reader.Skip(); // an object or array is passed over whole
                return new RequestedExpiry(0, NotAnInteger: true);
        }
    }

    public override void Write(Utf8JsonWriter writer, RequestedExpiry value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Seconds);
}
