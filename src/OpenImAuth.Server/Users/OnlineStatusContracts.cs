using System.Text.Json.Serialization;

namespace OpenImAuth.Server.Users;

// The answers of /user/get_users_online_status and /user/get_users_online_token_detail (docs/decisions.md, W8). The profiles
// disagree on status (v3 "online"/"offline", v3.8 1/0) and on how a platform is named (v3 by name, v3.8 by ID); the
// renamed platform field is written both ways in both profiles (D2), each in its own profile's field order.

/// <summary>v3: one entry per requested user; detailPlatformStatus is null when the user is offline.</summary>
internal sealed record OnlineStatusText(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("detailPlatformStatus")] IReadOnlyList<PlatformStatusText>? DetailPlatformStatus);

internal sealed record PlatformStatusText(
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("connID")] string ConnId,
    [property: JsonPropertyName("isBackground")] bool IsBackground,
    [property: JsonPropertyName("token")] string Token);

/// <summary>v3.8: as <see cref="OnlineStatusText"/>, with status 1 (online) or 0 (offline).</summary>
internal sealed record OnlineStatusCode(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detailPlatformStatus")] IReadOnlyList<PlatformStatusCode>? DetailPlatformStatus);

internal sealed record PlatformStatusCode(
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("connID")] string ConnId,
    [property: JsonPropertyName("isBackground")] bool IsBackground,
    [property: JsonPropertyName("token")] string Token);

/// <summary>v3: one entry per requested user who is online (offline users are left out, as in OpenIM).</summary>
internal sealed record TokenDetailText(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("singlePlatformToken")] IReadOnlyList<PlatformTokensText> SinglePlatformToken);

internal sealed record PlatformTokensText(
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("token")] IReadOnlyList<string> Token,
    [property: JsonPropertyName("total")] int Total);

/// <summary>v3.8: as <see cref="TokenDetailText"/>, with status 1.</summary>
internal sealed record TokenDetailCode(
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("singlePlatformToken")] IReadOnlyList<PlatformTokensCode> SinglePlatformToken);

internal sealed record PlatformTokensCode(
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("token")] IReadOnlyList<string> Token);
