using System.Text.Json.Serialization;
using OpenImAuth.Server.Users;

namespace OpenImAuth.Server.Sessions;

// Beyond OpenIM: revocation marks and a user's sessions. Requests as OpenIM's (every field nullable, Go's zero values).

internal sealed record RevokeTokensRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("platformID")] int? PlatformId,
    [property: JsonPropertyName("issuedBefore")] long? IssuedBefore);

internal sealed record ClearRevocationRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("platformID")] int? PlatformId);

internal sealed record GetUserSessionsRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("pagination")] Pagination? Pagination);

internal sealed record RevokeSessionRequest(
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("sessionID")] string? SessionId);

/// <summary>The mark in force for the scope after the call (marks only move forward): Unix milliseconds.</summary>
internal sealed record RevocationMarkResponse(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("issuedBeforeMs")] long IssuedBeforeMs);

internal sealed record ClearRevocationResponse(
    [property: JsonPropertyName("cleared")] bool Cleared);

internal sealed record UserSessionsResponse(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("sessions")] List<SessionOutput> Sessions);

/// <summary>One token the store knows for the user; times in Unix milliseconds.</summary>
internal sealed record SessionOutput(
    [property: JsonPropertyName("sessionID")] string SessionId,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("issuedAt")] long IssuedAt,
    [property: JsonPropertyName("expiresAt")] long ExpiresAt,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("connections")] int Connections,
    [property: JsonPropertyName("lastSeenAt")] long LastSeenAt,
    [property: JsonPropertyName("lastSeenAddress")] string LastSeenAddress);
