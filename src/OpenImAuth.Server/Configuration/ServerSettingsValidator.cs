using Microsoft.Extensions.Options;

namespace OpenImAuth.Server.Configuration;

/// <summary>
/// Refuses settings whose reading found errors, with the reader's own messages. The reader checks each key as it parses
/// it, where it still has the text it found and can name the key (docs/decisions.md, D11); checking the built record
/// again here would only say it less precisely.
/// </summary>
internal sealed class ServerSettingsValidator(ServerSettingsRead read) : IValidateOptions<ServerSettings>
{
    public ValidateOptionsResult Validate(string? name, ServerSettings options) =>
        read.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(read.Errors);
}
