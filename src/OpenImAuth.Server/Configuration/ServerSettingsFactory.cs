using Microsoft.Extensions.Options;

namespace OpenImAuth.Server.Configuration;

/// <summary>
/// Makes <see cref="ServerSettings"/> for the options pipeline from the one reading of the configuration. The record is
/// immutable and read by its own reader (which knows each key's text, range and neighbours), not bound property by
/// property, so the instance is the reading's; the pipeline then runs its validators on it
/// (<see cref="ServerSettingsValidator"/>), and <c>ValidateOnStart</c> has the host run them before it starts.
/// </summary>
internal sealed class ServerSettingsFactory(
    ServerSettingsRead read,
    IEnumerable<IConfigureOptions<ServerSettings>> setups,
    IEnumerable<IPostConfigureOptions<ServerSettings>> postConfigures,
    IEnumerable<IValidateOptions<ServerSettings>> validations)
    : OptionsFactory<ServerSettings>(setups, postConfigures, validations)
{
    protected override ServerSettings CreateInstance(string name) => read.AsRead;
}
