namespace OpenImAuth.Server.Http;

/// <summary>Who may call a route.</summary>
internal enum Access
{
    /// <summary>No token header (OpenIM's whitelist); the handler checks a secret if it needs one.</summary>
    Public,

    /// <summary>A valid <c>token</c> header; admin or ownership checks are the handler's.</summary>
    Token,
}

internal delegate ValueTask<ApiResult> OpenImHandler<in TRequest>(TRequest request, OpenImCall call);
