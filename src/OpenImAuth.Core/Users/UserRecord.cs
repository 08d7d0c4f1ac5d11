namespace OpenImAuth.Core.Users;

/// <summary>An OpenIM user (sdkws.UserInfo). <see cref="CreateTime"/> is Unix milliseconds.</summary>
public sealed record UserRecord(
    string UserId,
    string Nickname,
    string FaceUrl,
    string Extra,
    int AppMangerLevel,
    int GlobalRecvMsgOpt,
    long CreateTime);
