using YamlDotNet.RepresentationModel;

namespace Workflows.Abstractions.Yaml;

/// <summary>One key of a mapping as <see cref="YamlReader.Entries"/> yields it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Path">The value's path (the mapping's path and the key: <c>services.web</c>).</param>
/// <param name="Value">The value.</param>
public readonly record struct YamlEntry(string Key, string Path, YamlNode Value)
{
    /// <summary>Gets the key's own node (where a problem with the key itself, such as an unknown field, is reported).</summary>
    public YamlNode? KeyNode { get; init; }
}
