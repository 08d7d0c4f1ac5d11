using System.Net;
using OpenImAuth.Core.Security;

namespace OpenImAuth.Server.Configuration;

/// <summary>The <c>security.*</c> keys: the lockout after wrong secrets, trusted proxies, and the general rate limit.</summary>
/// <param name="Lockout">How many wrong secrets within how long lock an address out, and for how long.</param>
/// <param name="TrustedProxies">Proxies whose <c>X-Forwarded-For</c> names the client; empty, the socket's address is the client.</param>
/// <param name="RateLimit">Requests per second per client address on every API route; 0 is no limit.</param>
internal sealed record SecuritySettings(SecretLockoutPolicy Lockout, IReadOnlyList<IPNetwork> TrustedProxies, int RateLimit)
{
    public static SecuritySettings Read(SettingsReader read)
    {
        var defaults = SecretLockoutPolicy.Default;
        var maxFailures = read.Int("security:maxSecretFailures", defaults.MaxFailures, 1, 1_000_000,
            "wrong secrets from one client address, within security.failureWindowSeconds of the first, that lock it out");
        var window = read.Int("security:failureWindowSeconds", (int)defaults.Window.TotalSeconds, 1, 86_400,
            "seconds the wrong secrets of one address are counted together");
        var lockout = read.Int("security:lockoutSeconds", (int)defaults.Lockout.TotalSeconds, 1, 86_400,
            "seconds a locked-out address gets 429 on the secret routes");
        var proxies = new List<IPNetwork>();
        foreach (var text in read.StringList("security:trustedProxies", [],
            "proxies (IP addresses or CIDR ranges) whose X-Forwarded-For names the client"))
        {
            if (IPNetwork.TryParse(text, out var network))
            {
                proxies.Add(network);
            }
            else if (IPAddress.TryParse(text, out var address))
            {
                proxies.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                read.Fail("security:trustedProxies", $"'{text}' is neither an IP address nor a CIDR range like 10.0.0.0/8");
            }
        }
        var rateLimit = read.Int("security:rateLimit", 0, 0, 1_000_000,
            "requests per second per client address on every API route; 0 is off");
        return new SecuritySettings(
            new SecretLockoutPolicy(maxFailures, TimeSpan.FromSeconds(window), TimeSpan.FromSeconds(lockout)), proxies, rateLimit);
    }
}
