using OpenImAuth.Core.Errors;

namespace OpenImAuth.Server.Http;

internal static class OpenImRouteDescriptions
{
    /// <summary>Every route: a bad body, and a store that does not answer.</summary>
    public static readonly int[] CommonErrors = [ErrorCodes.ArgsError, ErrorCodes.ServerInternalError];

    /// <summary>Routes that take a <c>token</c> header: its checks' codes, in the order they are made.</summary>
    public static readonly int[] TokenErrors =
    [
        ErrorCodes.TokenExpiredError, ErrorCodes.TokenMalformedError, ErrorCodes.TokenNotValidYetError,
        ErrorCodes.TokenUnknownError, ErrorCodes.TokenKickedError, ErrorCodes.TokenNotExistError,
    ];

    /// <summary>Describes a route that answers no <c>data</c>.</summary>
    public static IEndpointConventionBuilder Describe(this IEndpointConventionBuilder route, string summary, params int[] errors) =>
        route.WithMetadata(new OpenImRouteDoc(summary, [], errors));

    /// <summary>Describes a route whose <c>data</c> is a <typeparamref name="TData"/>.</summary>
    public static IEndpointConventionBuilder Describe<TData>(this IEndpointConventionBuilder route, string summary, params int[] errors) =>
        route.WithMetadata(new OpenImRouteDoc(summary, [typeof(TData)], errors));

    /// <summary>Describes a route whose <c>data</c> is a <typeparamref name="TV3"/> under v3 and a <typeparamref name="TV38"/> under v3.8.</summary>
    public static IEndpointConventionBuilder Describe<TV3, TV38>(this IEndpointConventionBuilder route, string summary, params int[] errors) =>
        route.WithMetadata(new OpenImRouteDoc(summary, [typeof(TV3), typeof(TV38)], errors));
}
