using System.Text.Json;
using System.Text.Json.Serialization;

// The yardstick for the load benchmark: bare Kestrel with one endpoint that reads the same JSON body as
// /auth/user_token and writes a JSON answer of the same size, and nothing else (no store, no signing).
// Usage: dotnet OpenImAuth.Baseline.dll <port> <token length> [floor args]
//        (with floor args, each request first waits for what a floor in Floors.cs names: an fsync, a Redis read…)
//        dotnet OpenImAuth.Baseline.dll raw-ws <port>     (idle WebSockets without Kestrel: see RawWebSockets)
if (args is ["raw-ws", var rawPort])
{
    await RawWebSockets.RunAsync(int.Parse(rawPort, System.Globalization.CultureInfo.InvariantCulture));
    return;
}
var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10090;
var tokenLength = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
var app = builder.Build();

var floor = await Floors.CreateAsync(args.Length > 2 ? args[2..] : []);
var token = new string('x', tokenLength); // as long as a real token of the scenario

// The floor for an idle gateway connection: bare Kestrel WebSockets, one login frame, then a pending receive.
app.UseWebSockets();
app.Map("/ws", async context =>
{
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await socket.SendAsync("{\"errCode\":0,\"errMsg\":\"\",\"errDlt\":\"\"}"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
    var buffer = new byte[256];
    while (socket.State == System.Net.WebSockets.WebSocketState.Open)
    {
        var frame = await socket.ReceiveAsync(buffer, context.RequestAborted);
        if (frame.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
        {
            await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", context.RequestAborted);
        }
    }
});
app.MapPost("/{**path}", async context =>
{
    var request = await JsonSerializer.DeserializeAsync(context.Request.Body, BaselineJson.Default.TokenRequest, context.RequestAborted);
    if (floor is not null)
    {
        await floor.WaitAsync(request?.UserId ?? "");
    }
    // The answer carries the userID's length in a field of fixed width, so the request body is really used.
    var answer = new Envelope(0, "", "", new TokenData(token, 7_776_000 + (request?.UserId?.Length ?? 0) % 10));
    context.Response.ContentType = "application/json";
    await JsonSerializer.SerializeAsync(context.Response.Body, answer, BaselineJson.Default.Envelope, context.RequestAborted);
});
await app.RunAsync();

internal sealed record TokenRequest(
    [property: JsonPropertyName("secret")] string? Secret,
    [property: JsonPropertyName("platformID")] int? PlatformId,
    [property: JsonPropertyName("userID")] string? UserId);

internal sealed record TokenData(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("expireTimeSeconds")] long ExpireTimeSeconds);

internal sealed record Envelope(
    [property: JsonPropertyName("errCode")] int ErrCode,
    [property: JsonPropertyName("errMsg")] string ErrMsg,
    [property: JsonPropertyName("errDlt")] string ErrDlt,
    [property: JsonPropertyName("data")] TokenData Data);

[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(Envelope))]
internal sealed partial class BaselineJson : JsonSerializerContext;
