namespace OpenImAuth.Server.Http;

/// <summary>
/// What the API reference says of a route beyond its request: a summary, the types its <c>data</c> can be (two where
/// the compatibility profiles differ, none when it answers no data), and the error codes its handler answers on top of
/// those every route can answer (see <see cref="OpenImRouteDescriptions.CommonErrors"/>).
/// </summary>
internal sealed record OpenImRouteDoc(string Summary, IReadOnlyList<Type> DataTypes, IReadOnlyList<int> Errors);
