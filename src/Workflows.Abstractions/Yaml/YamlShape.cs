namespace Workflows.Abstractions.Yaml;

/// <summary>What a YAML value is, as <see cref="YamlReader.ShapeOf"/> tells it.</summary>
public enum YamlShape
{
    /// <summary>The key is not there at all.</summary>
    Missing,

    /// <summary>The key is there with nothing (<c>key:</c>, <c>~</c>, <c>null</c>).</summary>
    Empty,

    /// <summary>A single value.</summary>
    Scalar,

    /// <summary>A list.</summary>
    List,

    /// <summary>A mapping.</summary>
    Mapping,

    /// <summary>Something else: an alias the document could not resolve.</summary>
    Unresolved,
}
