using System.Buffers;
using System.Text.Json;
using OpenImAuth.Core.Json;

namespace OpenImAuth.Server.Http;

/// <summary>
/// Writes <c>{"errCode","errMsg","errDlt","data"}</c> in that order, <c>data</c> only on success with data
/// (docs/decisions.md, D3). The body is buffered so that it goes out with a Content-Length in one write.
/// </summary>
internal static class Envelope
{
    /// <summary>A growable buffer on pooled arrays: most answers fit the first 512 bytes.</summary>
    private sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(512);
        private int _written;

        public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_written);
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        private void Ensure(int sizeHint)
        {
            if (_buffer.Length - _written >= Math.Max(sizeHint, 1))
            {
                return;
            }
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
            _buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }

    // Strings escaped as Go escapes them (.NET's encoders escape more, or less), so envelopes match OpenIM's bytes.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = GoJsonEncoder.Instance };

    public static async Task WriteAsync(HttpContext context, ApiResult result, int statusCode = StatusCodes.Status200OK)
    {
        using var buffer = new PooledBufferWriter();
        Write(buffer, result);
        await WriteJsonAsync(context, buffer.WrittenMemory, statusCode);
    }

    /// <summary>The envelope as bytes, for answers that do not go through an <see cref="HttpContext"/>.</summary>
    public static byte[] ToBytes(ApiResult result)
    {
        using var buffer = new PooledBufferWriter();
        Write(buffer, result);
        return buffer.WrittenMemory.ToArray();
    }

    private static void Write(IBufferWriter<byte> buffer, ApiResult result)
    {
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
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

    public static Task WriteJsonAsync(HttpContext context, ReadOnlyMemory<byte> json, int statusCode = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        return response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }
}
