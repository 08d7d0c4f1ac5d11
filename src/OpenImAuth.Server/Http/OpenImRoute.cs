namespace OpenImAuth.Server.Http;

/// <summary>Endpoint metadata of every OpenIM route: who may call it and what its body is.</summary>
internal sealed record OpenImRoute(Access Access, Type RequestType);
