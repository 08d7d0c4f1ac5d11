using System.Text.Json.Serialization;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Storage.Redis;

/// <summary>A revoked token as carried on <see cref="RedisKeys.Revoked"/>.</summary>
internal sealed record RevokedTokenMessage(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("userID")] string UserId,
    [property: JsonPropertyName("platformID")] int PlatformId,
    [property: JsonPropertyName("issuedAt")] long IssuedAt,
    [property: JsonPropertyName("expiresAt")] long ExpiresAt)
{
    public static RevokedTokenMessage From(StoredToken token) =>
        new(token.Token, token.UserId, token.PlatformId, token.IssuedAt, token.ExpiresAt);

    public StoredToken ToStoredToken() => new(Token, UserId, PlatformId, TokenStatus.Kicked, IssuedAt, ExpiresAt);
}
