using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
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

/// <summary>
/// Writes <c>{"errCode","errMsg","errDlt","data"}</c> in that order, <c>data</c> only on success with data
/// (spec decision 3). The body is buffered so that it goes out with a Content-Length in one write.
/// </summary>
internal static class Envelope
{
    // Go writes non-ASCII text raw; the default encoder would \u-escape it.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync(HttpContext context, ApiResult result, int statusCode = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            if (result.Error is { } error)
            {
                writer.WriteNumber("errCode"u8, error.Code);
                writer.WriteString("errMsg"u8, error.Message);
                writer.WriteString("errDlt"u8, error.WireDetail);
            }
            else
            {
                writer.WriteNumber("errCode"u8, 0);
                writer.WriteString("errMsg"u8, ""u8);
                writer.WriteString("errDlt"u8, ""u8);
                if (result.Data is not null)
                {
                    writer.WritePropertyName("data"u8);
                    JsonSerializer.Serialize(writer, result.Data, result.DataType!);
                }
            }
            writer.WriteEndObject();
        }
        return WriteJsonAsync(context, buffer.WrittenMemory, statusCode);
    }

    public static Task WriteJsonAsync(HttpContext context, ReadOnlyMemory<byte> json, int statusCode = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        return response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }
}
