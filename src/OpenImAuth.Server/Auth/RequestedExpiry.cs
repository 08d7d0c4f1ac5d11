using System.Globalization;
using System.Text.Json.Serialization;
using OpenImAuth.Core;
using OpenImAuth.Core.Errors;

namespace OpenImAuth.Server.Auth;

/// <summary>
/// A token route's optional <c>expireTimeSeconds</c> as sent (beyond OpenIM): absent, null or 0 keep the configured
/// lifetime. Its converter never fails, so that a value of the wrong kind (a string, 1.5, true, a number beyond Int64)
/// reaches the route's own check, whose 1001 names the field and the cap, instead of the body reader's "a value has
/// the wrong JSON type".
/// </summary>
[JsonConverter(typeof(RequestedExpiryConverter))]
internal readonly record struct RequestedExpiry(long Seconds, bool NotAnInteger = false)
{
    /// <summary>
    /// The lifetime asked for, null for the configured one; or 1001 when it is not a whole number from 0 to
    /// <see cref="AuthOptions.MaxExpireSeconds"/>.
    /// </summary>
    public OpenImError? Resolve(AuthOptions options, out TimeSpan? lifetime)
    {
        lifetime = null;
        var cap = options.MaxExpireSeconds.ToString(CultureInfo.InvariantCulture);
        if (NotAnInteger || Seconds < 0 || Seconds > options.MaxExpireSeconds)
        {
            var sent = NotAnInteger ? "is not a whole number" : $"{Seconds} is out of range";
            return OpenImError.Args($"expireTimeSeconds {sent}; use 1 to {cap} seconds (the cap, tokenPolicy.maxExpireSeconds), "
                + "or 0 for the configured lifetime");
        }
        lifetime = Seconds == 0 ? null : TimeSpan.FromSeconds(Seconds);
        return null;
    }
}
