namespace OpenImAuth.Core.Errors;

/// <summary>OpenIM's error codes (openimsdk/tools errs/predefine.go); identical in every OpenIM version.</summary>
public static class ErrorCodes
{
    public const int ServerInternalError = 500;
    public const int ArgsError = 1001;
    public const int NoPermissionError = 1002;
    public const int DuplicateKeyError = 1003;
    public const int RecordNotFoundError = 1004;

    /// <summary>Ours, not OpenIM's (it uses none of 1005–1049): too many wrong secrets from this address (HTTP 429).</summary>
    public const int SecretLockedOutError = 1010;

    /// <summary>Ours: more requests per second from this address than security.rateLimit allows (HTTP 429).</summary>
    public const int RateLimitedError = 1011;
    public const int RegisteredAlreadyError = 1102;
    public const int TokenExpiredError = 1501;
    public const int TokenInvalidError = 1502;
    public const int TokenMalformedError = 1503;
    public const int TokenNotValidYetError = 1504;
    public const int TokenUnknownError = 1505;
    public const int TokenKickedError = 1506;
    public const int TokenNotExistError = 1507;
    public const int ConnOverMaxNumLimit = 1601;
    public const int ConnArgsError = 1602;

    /// <summary>The canonical errMsg of a code, as OpenIM writes it.</summary>
    public static string NameOf(int code) => code switch
    {
        ServerInternalError => "ServerInternalError",
        ArgsError => "ArgsError",
        NoPermissionError => "NoPermissionError",
        DuplicateKeyError => "DuplicateKeyError",
        RecordNotFoundError => "RecordNotFoundError",
        SecretLockedOutError => "SecretLockedOutError",
        RateLimitedError => "RateLimitedError",
        RegisteredAlreadyError => "RegisteredAlreadyError",
        TokenExpiredError => "TokenExpiredError",
        TokenInvalidError => "TokenInvalidError",
        TokenMalformedError => "TokenMalformedError",
        TokenNotValidYetError => "TokenNotValidYetError",
        TokenUnknownError => "TokenUnknownError",
        TokenKickedError => "TokenKickedError",
        TokenNotExistError => "TokenNotExistError",
        ConnOverMaxNumLimit => "ConnOverMaxNumLimit",
        ConnArgsError => "args err, need token, sendID, platformID",
        _ => "UnknownError",
    };
}
