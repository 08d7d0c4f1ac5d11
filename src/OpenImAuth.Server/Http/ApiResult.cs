using System.Text.Json.Serialization.Metadata;
using OpenImAuth.Core.Errors;

namespace OpenImAuth.Server.Http;

/// <summary>What a handler answers: an error, or success with optional data. Written as OpenIM's envelope.</summary>
internal readonly struct ApiResult
{
    private ApiResult(OpenImError? error, object? data, JsonTypeInfo? dataType)
    {
        Error = error;
        Data = data;
        DataType = dataType;
    }

    public OpenImError? Error { get; }

    public object? Data { get; }

    public JsonTypeInfo? DataType { get; }

    public static ApiResult Ok() => default;

    public static ApiResult Ok<T>(T data, JsonTypeInfo<T> dataType) => new(null, data, dataType);

    public static implicit operator ApiResult(OpenImError error) => new(error, null, null);
}
