using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OpenImAuth.Core.Errors;

namespace OpenImAuth.Server.Http;

/// <summary>
/// Reads a JSON request body with Go's encoding/json outcomes (docs/decisions.md, W3): <c>null</c> means all fields zero, a
/// wrong type or bad syntax is 1001 with a detail that names the place, and a body over the limit is refused
/// before it is all read. A body that cannot be read at all is refused too, with an HTTP status that says why.
/// </summary>
internal static class RequestBody
{
    /// <summary>The body's value, or the error to answer and the HTTP status to answer it with.</summary>
    public static async Task<(T? Value, OpenImError? Error, int Status)> ReadAsync<T>(
        HttpContext context, JsonTypeInfo<T> type, int maxBytes)
        where T : class
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes), StatusCodes.Status413PayloadTooLarge);
        }
        var reader = context.Request.BodyReader;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await reader.ReadAsync(context.RequestAborted);
            }
            catch (BadHttpRequestException ex)
            {
                return (null, Unreadable(ex, maxBytes), ex.StatusCode);
            }
            var buffer = read.Buffer;
            if (buffer.Length > maxBytes)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return (null, TooLarge(maxBytes), StatusCodes.Status413PayloadTooLarge);
            }
            if (!read.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            var (value, error) = Decode(buffer, type);
            reader.AdvanceTo(buffer.End);
            return (value, error, StatusCodes.Status200OK);
        }
    }

    /// <summary>
    /// Kestrel could not read the body: the client's error (a bad chunked encoding, a body that stopped arriving), not
    /// the server's, so it is answered, not logged; Kestrel logs it at Debug. Its status says which: 400 malformed,
    /// 408 too slow, 413 over Kestrel's own limit (which sits above ours, so that ours answers first).
    /// </summary>
    private static OpenImError Unreadable(BadHttpRequestException error, int maxBytes) => error.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => TooLarge(maxBytes),
        StatusCodes.Status408RequestTimeout => OpenImError.Args("request body could not be read: it arrived too slowly"),
        // Kestrel's own words name the fault ("Bad chunk size data."); they hold nothing of the server's.
        _ => OpenImError.Args($"request body could not be read: {error.Message.TrimEnd('.')}"),
    };

    private static (T? Value, OpenImError? Error) Decode<T>(ReadOnlySequence<byte> body, JsonTypeInfo<T> type)
        where T : class
    {
        if (body.IsEmpty)
        {
            return (null, OpenImError.Args("request body is empty; send a JSON object"));
        }
        try
        {
            var jsonReader = new Utf8JsonReader(body);
            var value = JsonSerializer.Deserialize(ref jsonReader, type);
            if (jsonReader.Read())
            {
                return (null, OpenImError.Args("request body has data after the JSON object"));
            }
            // A top-level null decodes to all-zero fields in Go; the route's own checks then report what is missing.
            return (value ?? JsonSerializer.Deserialize("{}"u8, type), null);
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
            var what = IsUndecodableStringAt(body, ex)
                ? "a string is not valid Unicode text (invalid UTF-8, or a \\u escape of a lone surrogate)"
                : ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
                    ? "a value has the wrong JSON type"
                    : "the body is not valid JSON";
            return (null, OpenImError.Args($"request body is not valid for this route: {what} at {where} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> is about a string (a value or a property name) that ends where the error
    /// points and cannot be decoded. System.Text.Json reports such a string as a failed conversion, the same words as
    /// a number where a string belongs; Go would decode it with U+FFFD in place of the bad part, so the sender should
    /// learn what it sent.
    /// Only on the error path: the body is read again up to the error's position.
    /// </summary>
    private static bool IsUndecodableStringAt(ReadOnlySequence<byte> body, JsonException error)
    {
        if (error.LineNumber is not { } line || error.BytePositionInLine is not { } column)
        {
            return false;
        }
        var errorOffset = OffsetOf(body, line, column);
        var reader = new Utf8JsonReader(body);
        try
        {
            while (reader.BytesConsumed < errorOffset && reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.BytesConsumed == errorOffset)
                {
                    reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true; // GetString refused the very string the error points at
        }
        catch (JsonException)
        {
            // bad syntax before the error's position: not a string's text
        }
        return false;
    }

    private static long OffsetOf(ReadOnlySequence<byte> body, long line, long column)
    {
        long offset = 0;
        foreach (var segment in body)
        {
            var span = segment.Span;
            for (var i = 0; i < span.Length && line > 0; i++)
            {
                line -= span[i] == (byte)'\n' ? 1 : 0;
                offset++;
            }
            if (line == 0)
            {
                break;
            }
        }
        return offset + column;
    }

    private static OpenImError TooLarge(int maxBytes) =>
        OpenImError.Args($"request body is larger than {maxBytes} bytes");
}
