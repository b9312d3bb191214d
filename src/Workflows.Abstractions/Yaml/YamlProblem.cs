namespace Workflows.Abstractions.Yaml;

/// <summary>One problem in a YAML document: the field's path, what is wrong, and where.</summary>
/// <param name="Path">The field's path, e.g. <c>services.web.ports[0].target</c>; empty for the document itself.</param>
/// <param name="Message">What is wrong, e.g. <c>must be an integer</c>.</param>
/// <param name="Line">The 1-based line of the value (0 when unknown).</param>
/// <param name="Column">The 1-based column of the value (0 when unknown).</param>
public sealed record YamlProblem(string Path, string Message, int Line, int Column)
{
    /// <summary>Gets the position as <c>line L, column C</c>, or null when unknown.</summary>
    public string? Position => Line > 0 ? $"line {Line}, column {Column}" : null;

    /// <summary>Returns <c>path: message (line L, column C)</c>.</summary>
    public override string ToString()
    {
        var text = Path.Length == 0 ? Message : $"{Path}: {Message}";
        return Position is { } at ? $"{text} ({at})" : text;
    }
}
