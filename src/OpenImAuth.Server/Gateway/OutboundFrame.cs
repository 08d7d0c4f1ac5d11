using System.Net.WebSockets;

namespace OpenImAuth.Server.Gateway;

/// <summary>One frame for the writer: its bytes and whether it goes out as TEXT or BINARY.</summary>
internal readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type);
