namespace OpenImAuth.Server.Security;

/// <summary>Endpoint metadata of the routes that take the secret, for the API reference.</summary>
internal sealed class SecretRoute
{
    public static readonly SecretRoute Instance = new();

    private SecretRoute()
    {
    }
}
