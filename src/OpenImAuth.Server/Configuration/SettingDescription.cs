namespace OpenImAuth.Server.Configuration;

/// <summary>One setting as the reader knows it.</summary>
/// <param name="Key">Dotted, as the README and messages write it (<c>tokenPolicy.expire</c>).</param>
/// <param name="Default">The value used when no source sets the key, as text (<c>none</c> for an empty one).</param>
/// <param name="Meaning">What the setting does, in a line.</param>
/// <param name="IsList">A list takes items under the key (<c>key:0</c>, <c>key:1</c>, or <c>key__0</c> in the environment).</param>
internal sealed record SettingDescription(string Key, string Default, string Meaning, bool IsList);
