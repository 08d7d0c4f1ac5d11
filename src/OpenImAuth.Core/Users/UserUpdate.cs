namespace OpenImAuth.Core.Users;

/// <summary>The fields an update may change; <c>null</c> leaves a field as it is.</summary>
public sealed record UserUpdate(string? Nickname, string? FaceUrl, string? Extra, int? GlobalRecvMsgOpt);
