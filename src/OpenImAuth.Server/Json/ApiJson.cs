using System.Text.Json.Serialization;
using OpenImAuth.Server.Audit;
using OpenImAuth.Server.Auth;
using OpenImAuth.Server.Sessions;
using OpenImAuth.Server.Users;

namespace OpenImAuth.Server.Json;

/// <summary>
/// Source-generated JSON for the REST surface. Keys match case-insensitively on input, as Go's encoding/json does;
/// numbers must be JSON numbers and strings JSON strings, or decoding fails (1001).
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(UserTokenRequest))]
[JsonSerializable(typeof(GetAdminTokenRequest))]
[JsonSerializable(typeof(PlatformUserRequest))]
[JsonSerializable(typeof(GetUserTokenRequest))]
[JsonSerializable(typeof(ParseTokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ParseTokenResponse))]
[JsonSerializable(typeof(UserRegisterRequest))]
[JsonSerializable(typeof(UpdateUserInfoRequest))]
[JsonSerializable(typeof(UserIdsRequest))]
[JsonSerializable(typeof(AccountCheckRequest))]
[JsonSerializable(typeof(PaginationRequest))]
[JsonSerializable(typeof(GetUsersRequest))]
[JsonSerializable(typeof(SetGlobalMsgRecvOptRequest))]
[JsonSerializable(typeof(UsersInfoResponse))]
[JsonSerializable(typeof(AccountCheckTextResponse))]
[JsonSerializable(typeof(AccountCheckCodeResponse))]
[JsonSerializable(typeof(AllUserIdsResponse))]
[JsonSerializable(typeof(UsersPageResponse))]
[JsonSerializable(typeof(RevokeTokensRequest))]
[JsonSerializable(typeof(ClearRevocationRequest))]
[JsonSerializable(typeof(GetUserSessionsRequest))]
[JsonSerializable(typeof(RevokeSessionRequest))]
[JsonSerializable(typeof(RevocationMarkResponse))]
[JsonSerializable(typeof(ClearRevocationResponse))]
[JsonSerializable(typeof(UserSessionsResponse))]
[JsonSerializable(typeof(List<OnlineStatusText>), TypeInfoPropertyName = "ListOnlineStatusText")]
[JsonSerializable(typeof(List<OnlineStatusCode>), TypeInfoPropertyName = "ListOnlineStatusCode")]
[JsonSerializable(typeof(List<TokenDetailText>), TypeInfoPropertyName = "ListTokenDetailText")]
[JsonSerializable(typeof(List<TokenDetailCode>), TypeInfoPropertyName = "ListTokenDetailCode")]
[JsonSerializable(typeof(SubscribeUsersStatusRequest))]
[JsonSerializable(typeof(GetSubscribeUsersStatusRequest))]
[JsonSerializable(typeof(GetUserStatusRequest))]
[JsonSerializable(typeof(StatusListResponse))]
[JsonSerializable(typeof(AuditSearchRequest))]
[JsonSerializable(typeof(AuditSearchResponse))]
internal sealed partial class ApiJson : JsonSerializerContext;
