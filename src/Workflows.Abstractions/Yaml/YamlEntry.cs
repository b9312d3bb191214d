using YamlDotNet.RepresentationModel;

namespace Workflows.Abstractions.Yaml;

/// <summary>One key of a mapping as <see cref="YamlReader.Entries"/> yields it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Path">The value's path (the mapping's path and the key: <c>services.web</c>).</param>
/// <param name="Value">The value.</param>
public readonly record struct YamlEntry(string Key, string Path, YamlNode Value);
