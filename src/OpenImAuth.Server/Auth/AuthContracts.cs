using System.Text.Json.Serialization;

namespace OpenImAuth.Server.Auth;

// Requests: every field nullable, because in Go a missing key and null both mean the zero value.

// expireTimeSeconds is ours, not OpenIM's: a token's lifetime asked for per request (see RequestedExpiry).

internal sealed record UserTokenRequest(
    [property: JsonPropertyName("secret")] string? Secret,
    [property: JsonPropertyName("platformID")] int? PlatformId,
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("expireTimeSeconds")] RequestedExpiry ExpireTimeSeconds = default);

internal sealed record GetAdminTokenRequest(
    [property: JsonPropertyName("secret")] string? Secret,
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("expireTimeSeconds")] RequestedExpiry ExpireTimeSeconds = default);

internal sealed record PlatformUserRequest(
    [property: JsonPropertyName("platformID")] int? PlatformId,
    [property: JsonPropertyName("userID")] string? UserId);

/// <summary><see cref="PlatformUserRequest"/> with the lifetime asked for, for <c>get_user_token</c>.</summary>
internal sealed record GetUserTokenRequest(
    [property: JsonPropertyName("platformID")] int? PlatformId,
    [property: JsonPropertyName("userID")] string? UserId,
    [property: JsonPropertyName("expireTimeSeconds")] RequestedExpiry ExpireTimeSeconds = default);

internal sealed record ParseTokenRequest(
    [property: JsonPropertyName("token")] string? Token);

// Responses: every field always emitted, in OpenIM's proto order.

internal sealed record TokenResponse(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("expireTimeSeconds")] long ExpireTimeSeconds);

/// <summary>
/// v3.0–3.6 named the platform (<c>platform</c>), v3.7+ numbers it (<c>platformID</c>); both are sent (docs/decisions.md, D2).
/// <c>expireTimeSeconds</c> here is the absolute expiry, unlike in issuance.
/// </summary>
internal sealed record ParseTokenResponse(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("expireTimeSeconds")] long ExpireTimeSeconds);
