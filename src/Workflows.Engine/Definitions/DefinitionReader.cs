using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Yaml;
using Workflows.Engine.Expressions;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>
/// The definition parsers' view of one file: the shared <see cref="YamlReader"/> (one wording and one notion of a
/// single value, a number, a boolean, a list, a mapping and an unknown field across definitions, compose files,
/// clouds.yaml and kubeconfigs) plus what only definitions have: names lists, durations, expressions. Every problem
/// goes into the reader's problem list, in the order it is found, and becomes a <see cref="DefinitionError"/> with the
/// file, line, column and field.
/// </summary>
/// <param name="file">The file, for the errors.</param>
internal sealed class DefinitionReader(string file)
{
    private readonly YamlReader reader = new();
    private readonly List<DefinitionError> syntax = [];

    /// <summary>Gets whether any problem was found so far.</summary>
    public bool HasErrors => syntax.Count > 0 || reader.Problems.Count > 0;

    /// <summary>Gets the problems as errors of the file: line and column at least 1, long fields and messages cut.</summary>
    public List<DefinitionError> Errors =>
        [.. syntax, .. reader.Problems.Select(p => new DefinitionError(
            file,
            Math.Max(1, p.Line),
            Math.Max(1, p.Column),
            p.Path.Length > DefinitionLimits.MaxMessageLength / 4 ? YamlGuard.Cut(p.Path) : p.Path,
            Cap(p.Message)))];

    /// <summary>Gets the value of <paramref name="key"/> in a mapping, or null (also when the node is no mapping).</summary>
    public static YamlNode? Value(YamlNode? map, string key) => YamlReader.Find(map, key);

    /// <summary>Cuts a message that quotes too much.</summary>
    public static string Cap(string message) =>
        message.Length <= DefinitionLimits.MaxMessageLength ? message : string.Concat(message.AsSpan(0, DefinitionLimits.MaxMessageLength), "…");

    /// <summary>Records that the text is not YAML.</summary>
    public void SyntaxError(int line, int column, string message) =>
        syntax.Add(new DefinitionError(file, Math.Max(1, line), Math.Max(1, column), "", Cap(message)));

    /// <summary>Records a problem at <paramref name="node"/> (the file's start when null).</summary>
    public void Error(YamlNode? node, string field, string message) => reader.Report(node, field, message);

    /// <summary>Reports each key of <paramref name="map"/> not in <paramref name="allowed"/>, with a "did you mean".</summary>
    public void CheckKeys(YamlNode map, string path, IReadOnlyCollection<string> allowed) => reader.CheckKeys(map, path, allowed, YamlGuard.Cut);

    /// <summary>Yields a mapping's entries; the caller has checked that <paramref name="map"/> is one.</summary>
    public IEnumerable<YamlEntry> Entries(YamlNode map, string path) => reader.Entries(map, path);

    /// <summary>Yields a list's items with their paths; the caller has checked that <paramref name="list"/> is one.</summary>
    public IEnumerable<(YamlNode Node, string Path)> Items(YamlNode list, string path) => reader.Items(list, path);

    /// <summary>Reads the single value of a required key; reports "is required" at the mapping when it is missing.</summary>
    public string? RequiredString(YamlNode map, string key, string path)
    {
        if (Value(map, key) is not { } v)
        {
            Error(map, YamlReader.Child(path, key), "is required");
            return null;
        }

        return reader.String(v, YamlReader.Child(path, key));
    }

    /// <summary>Reads the single value of an optional key (null when missing).</summary>
    public string? OptionalString(YamlNode map, string key, string path) =>
        Value(map, key) is { } v ? reader.String(v, YamlReader.Child(path, key)) : null;

    /// <summary>Reads an optional boolean.</summary>
    public bool? OptionalBool(YamlNode map, string key, string path) =>
        Value(map, key) is { } v ? reader.Bool(v, YamlReader.Child(path, key)) : null;

    /// <summary>Reads an optional whole number.</summary>
    public int? OptionalInt(YamlNode map, string key, string path) =>
        Value(map, key) is { } v ? reader.Int(v, YamlReader.Child(path, key)) : null;

    /// <summary>
    /// Reads an optional duration (<c>90s</c>, <c>1h30m</c>); reports what is wrong with it at the value.
    /// </summary>
    /// <returns>The duration; null when missing or wrong (<paramref name="valid"/> is false when the text is no duration).</returns>
    public TimeSpan? OptionalDuration(YamlNode map, string key, string path, out bool valid)
    {
        valid = true;
        if (OptionalString(map, key, path) is not { } text)
        {
            return null;
        }

        var span = Duration.TryParse(text, out var err);
        if (err is not null)
        {
            Error(Value(map, key), YamlReader.Child(path, key), err);
            valid = false;
            return null;
        }

        return span;
    }

    /// <summary>
    /// Reads a list of names: a single name stands for a list of one; an empty value is an empty list; each item that
    /// is not a non-empty single value is reported as "must be a list of names" at the item.
    /// </summary>
    public List<string> Names(YamlNode? node, string path)
    {
        if (node is null)
        {
            return [];
        }

        if (YamlReader.TextOf(node) is { Length: > 0 } one)
        {
            return [one];
        }

        switch (YamlReader.ShapeOf(node))
        {
            case YamlShape.List:
                var list = new List<string>();
                foreach (var (item, _) in reader.Items(node, path))
                {
                    if (YamlReader.TextOf(item) is { Length: > 0 } v)
                    {
                        list.Add(v);
                    }
                    else
                    {
                        Error(item, path, "must be a list of names");
                    }
                }

                return list;
            default:
                Error(node, path, "must be a list of names");
                return [];
        }
    }

    /// <summary>Checks the syntax of the expressions in every single value under <paramref name="node"/>.</summary>
    public void CheckTemplates(YamlNode node, string path)
    {
        foreach (var (n, p, text) in YamlReader.Scalars(node, path))
        {
            CheckTemplate(n, p, text);
        }
    }

    /// <summary>Checks the syntax of the expressions in <paramref name="text"/>.</summary>
    public void CheckTemplate(YamlNode node, string path, string text)
    {
        if (!Template.MayContainExpression(text))
        {
            return;
        }

        try
        {
            Template.Parse(text);
        }
        catch (ExpressionException e)
        {
            Error(node, path, $"expression error at character {e.Position + 1} of '{YamlGuard.Cut(text)}': {e.Message}");
        }
    }
}
