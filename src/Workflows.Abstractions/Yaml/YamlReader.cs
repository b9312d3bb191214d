using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflows.Abstractions.Yaml;

/// <summary>
/// Reads a YAML document field by field: the one place that knows how to read a string, number, bool, duration,
/// one-of value, list or map at a path and how to report what is wrong with it — the path
/// (<c>steps[2].with.image</c>), the problem, and the line and column. The compose parser, the clouds.yaml loader,
/// the kubeconfig loader and the definition parser read through it, so a user sees one kind of message.
/// </summary>
/// <remarks>
/// A reader either collects its problems (<see cref="Problems"/>; a getter then returns null or an empty value and
/// reading goes on, so one pass reports everything) or throws a <see cref="YamlReadException"/> at the first one,
/// as its creator chose. Messages name the field and quote at most the offending scalar value, never a whole document.
/// </remarks>
public sealed partial class YamlReader
{
    private readonly List<YamlProblem> problems = [];
    private readonly bool throwOnProblem;

    /// <summary>Creates a reader.</summary>
    /// <param name="throwOnProblem">True to throw at the first problem; false (the default) to collect them in <see cref="Problems"/>.</param>
    public YamlReader(bool throwOnProblem = false) => this.throwOnProblem = throwOnProblem;

    /// <summary>Gets the problems reported so far, in document order of reading.</summary>
    public IReadOnlyList<YamlProblem> Problems => problems;

    /// <summary>Parses the first document of <paramref name="text"/>.</summary>
    /// <returns>The root node, or null when the text holds no document (empty, or only comments).</returns>
    /// <exception cref="YamlReadException">
    /// The text is not YAML, or a mapping has a key that is not a plain value (<see cref="YamlReadException.IsSyntaxError"/> is true),
    /// with the line and column.
    /// </exception>
    public static YamlNode? Parse(string text)
    {
        using var reader = new StringReader(text);
        return Parse(reader);
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static YamlNode? Parse(TextReader text) => ParseDocuments(text) is [var first, ..] ? first : null;

    /// <summary>Parses every document of <paramref name="text"/> (documents separated by <c>---</c>).</summary>
    /// <returns>The documents' root nodes, in order; none when the text holds no document.</returns>
    /// <exception cref="YamlReadException">As <see cref="Parse(string)"/>, for any of the documents.</exception>
    public static IReadOnlyList<YamlNode> ParseDocuments(string text)
    {
        using var reader = new StringReader(text);
        return ParseDocuments(reader);
    }

    /// <inheritdoc cref="ParseDocuments(string)"/>
    public static IReadOnlyList<YamlNode> ParseDocuments(TextReader text)
    {
        var parser = new Parser(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            throw Syntax(string.Empty, Reason(ex), ex.Start);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws these on some malformed input (e.g. an unclosed flow mapping followed by a
            // new line, a duplicate key); the last event read gives the position.
            throw Syntax(string.Empty, ex is ArgumentException ? "a key appears twice in one mapping" : ex.Message, parser.Current?.End ?? Mark.Empty);
        }

        var roots = stream.Documents.Select(d => d.RootNode).ToList();
        foreach (var root in roots)
        {
            CheckKeys(root, string.Empty);
        }

        return roots;
    }

    /// <summary>Returns the path of a mapping's key: <c>a.b</c>, or <c>b</c> at the root.</summary>
    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>Returns the path of a list's item: <c>a[2]</c>.</summary>
    public static string Item(string path, int index) => $"{path}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>Returns whether a node is an empty value (<c>key:</c> with nothing, <c>~</c> or <c>null</c>).</summary>
    public static bool IsEmpty(YamlNode? node) =>
        node is null or YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>Reports a problem at <paramref name="node"/>'s position (collects it, or throws).</summary>
    public void Report(YamlNode? node, string path, string message) =>
        Report(new YamlProblem(path, message, node is null ? 0 : (int)node.Start.Line, node is null ? 0 : (int)node.Start.Column), node);

    /// <summary>Reports a problem (collects it, or throws).</summary>
    public void Report(YamlProblem problem) => Report(problem, null);

    private void Report(YamlProblem problem, YamlNode? node)
    {
        if (throwOnProblem)
        {
            throw new YamlReadException(problem) { Node = node };
        }

        problems.Add(problem);
    }

    /// <summary>Yields a mapping's entries with their paths. An empty value has none; anything else but a mapping is reported.</summary>
    public IEnumerable<YamlEntry> Entries(YamlNode node, string path)
    {
        if (node is YamlMappingNode map)
        {
            return map.Children.Select(kv => new YamlEntry(KeyOf(kv.Key), Child(path, KeyOf(kv.Key)), kv.Value) { KeyNode = kv.Key });
        }

        if (!IsEmpty(node))
        {
            Report(node, path, "must be a mapping");
        }

        return [];
    }

    /// <summary>Yields a list's items with their paths (<c>path[i]</c>). An empty value has none; anything else but a list is reported.</summary>
    public IEnumerable<(YamlNode Node, string Path)> Items(YamlNode node, string path)
    {
        if (node is YamlSequenceNode seq)
        {
            return seq.Children.Select((c, i) => (c, Item(path, i)));
        }

        if (!IsEmpty(node))
        {
            Report(node, path, "must be a list");
        }

        return [];
    }

    /// <summary>Gets a mapping's value for <paramref name="key"/>, or null when the node is no mapping or lacks the key.</summary>
    /// <remarks>Matches the key's text whatever its quoting or tag (<c>"name":</c>, <c>!!str name:</c>), as a reader of the document would.</remarks>
    public static YamlNode? Find(YamlNode? node, string key) =>
        node is YamlMappingNode map ? map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value : null;

    /// <summary>Tells what a node is: missing (null), empty, a single value, a list or a mapping.</summary>
    public static YamlShape ShapeOf(YamlNode? node) => node switch
    {
        null => YamlShape.Missing,
        _ when IsEmpty(node) => YamlShape.Empty,
        YamlScalarNode => YamlShape.Scalar,
        YamlSequenceNode => YamlShape.List,
        YamlMappingNode => YamlShape.Mapping,
        _ => YamlShape.Unresolved,
    };

    /// <summary>Gets how many items a list or entries a mapping has (0 for anything else).</summary>
    public static int Count(YamlNode? node) => node switch
    {
        YamlSequenceNode seq => seq.Children.Count,
        YamlMappingNode map => map.Children.Count,
        _ => 0,
    };

    /// <summary>Gets the 1-based line where a node starts (0 for a missing node).</summary>
    public static int LineOf(YamlNode? node) => node is null ? 0 : (int)node.Start.Line;

    /// <summary>Gets the 1-based column where a node starts (0 for a missing node).</summary>
    public static int ColumnOf(YamlNode? node) => node is null ? 0 : (int)node.Start.Column;

    /// <summary>Replaces the text of a single value in place (e.g. after interpolating variables); does nothing to a list or mapping.</summary>
    public static void Replace(YamlNode node, string text)
    {
        if (node is YamlScalarNode scalar)
        {
            scalar.Value = text;
        }
    }

    /// <summary>Gets the text of a single value without reporting anything: null for a list, a mapping or a missing node.</summary>
    public static string? TextOf(YamlNode? node) => (node as YamlScalarNode)?.Value;

    /// <summary>
    /// Yields every single value under <paramref name="node"/> (itself, or the leaves of its lists and mappings, in
    /// document order) with its path: <c>with.env.NAME</c>, <c>with.ports[0]</c>. Empty values without text are skipped.
    /// </summary>
    public static IEnumerable<(YamlNode Node, string Path, string Text)> Scalars(YamlNode? node, string path)
    {
        switch (node)
        {
            case YamlScalarNode s when s.Value is not null:
                yield return (s, path, s.Value);
                break;
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children)
                {
                    foreach (var x in Scalars(v, Child(path, KeyOf(k))))
                    {
                        yield return x;
                    }
                }

                break;
            case YamlSequenceNode q:
                for (var i = 0; i < q.Children.Count; i++)
                {
                    foreach (var x in Scalars(q.Children[i], Item(path, i)))
                    {
                        yield return x;
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Converts a node to JSON the way YAML 1.2's core schema reads plain values (as the Kubernetes API server's decoder
    /// does): a plain <c>3</c>, <c>-1.5e3</c> or <c>0x1F</c> is a number, <c>true</c> a boolean, <c>~</c> or nothing
    /// null; a quoted value, or one tagged <c>!!str</c>, is always text.
    /// </summary>
    public static JsonNode? ToJson(YamlNode? node) => node switch
    {
        null => null,
        YamlScalarNode s => ScalarToJson(s),
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(KeyOf(kv.Key), ToJson(kv.Value)))),
        YamlSequenceNode q => new JsonArray(q.Children.Select(ToJson).ToArray()),
        _ => null,
    };

    /// <summary>
    /// Reports each key of a mapping that is not in <paramref name="allowed"/>, at the key: "unknown field 'nmae' (did
    /// you mean 'name'?); allowed: name, steps". Does nothing for anything but a mapping.
    /// </summary>
    /// <param name="node">The mapping.</param>
    /// <param name="path">Its path.</param>
    /// <param name="allowed">The keys it may have.</param>
    /// <param name="quote">Shortens a key for the message (a key may be long); the key as it is when null.</param>
    /// <param name="ignore">
    /// Tells the keys that are neither checked nor listed as allowed: extension keys (compose's <c>x-</c>), or keys the
    /// caller reports in its own way (a known key it does not support); none when null.
    /// </param>
    public void CheckKeys(YamlNode node, string path, IReadOnlyCollection<string> allowed, Func<string, string>? quote = null, Func<string, bool>? ignore = null)
    {
        if (node is not YamlMappingNode map)
        {
            return;
        }

        foreach (var (k, _) in map.Children)
        {
            var key = KeyOf(k);
            if (!allowed.Contains(key, StringComparer.Ordinal) && ignore?.Invoke(key) != true)
            {
                Report(k, Child(path, key), $"unknown field '{(quote is null ? key : quote(key))}'{DidYouMean(key, allowed)}; allowed: {string.Join(", ", allowed)}");
            }
        }
    }

    /// <summary>
    /// Returns <c> (did you mean 'x'?)</c> for the candidate closest to a mistyped <paramref name="value"/>, or an empty
    /// text when none is close: one edit for a value of up to three characters, else at most two edits or a third of the
    /// value's length, and always fewer edits than the value has characters; a swap of two neighbouring letters counts as
    /// one edit (optimal string alignment distance); case is ignored.
    /// </summary>
    public static string DidYouMean(string value, IEnumerable<string> candidates) =>
        Closest(value, candidates) is { } best ? $" (did you mean '{best}'?)" : string.Empty;

    /// <summary>Returns the candidate closest to <paramref name="value"/> as <see cref="DidYouMean"/> measures it, or null.</summary>
    public static string? Closest(string value, IEnumerable<string> candidates)
    {
        if (value.Length > 64)
        {
            return null; // nobody mistypes 64 characters, and the distance costs length × length
        }

        // A short word is close with one edit, a longer one with two or a third of its length; and never when every
        // character differs ('-5' is not a mistyped 'ip').
        var lower = value.ToLowerInvariant();
        var limit = Math.Min(value.Length <= 3 ? 1 : Math.Max(2, value.Length / 3), value.Length - 1);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            if (c.Length > 64)
            {
                continue;
            }

            var d = EditDistance(lower, c.ToLowerInvariant());
            if (d <= limit && d < bestDistance)
            {
                (best, bestDistance) = (c, d);
            }
        }

        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static string KeyOf(YamlNode key) => (key as YamlScalarNode)?.Value ?? string.Empty;

    /// <summary>Resolves one value by the core schema (see <see cref="ToJson"/>).</summary>
    private static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (scalar.Style != ScalarStyle.Plain || tag is "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (CoreInt().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (value.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }

        if (CoreFloat().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }

    /// <summary>Reads a single value (a scalar); reports "must be a single value, not a list or mapping" for the others.</summary>
    public string? String(YamlNode node, string path)
    {
        if (node is YamlScalarNode s)
        {
            return s.Value;
        }

        Report(node, path, "must be a single value, not a list or mapping");
        return null;
    }

    /// <summary>Reads a whole number; reports "must be a whole number" (or the bounds it breaks).</summary>
    public int? Int(YamlNode node, string path, int min = int.MinValue, int max = int.MaxValue)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            Report(node, path, "must be a whole number");
            return null;
        }

        if (n < min || n > max)
        {
            Report(node, path, max == int.MaxValue ? $"must be at least {min}" : min == int.MinValue ? $"must be at most {max}" : $"must be between {min} and {max}");
            return null;
        }

        return n;
    }

    /// <summary>Reads a number; reports "must be a number".</summary>
    public double? Double(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        Report(node, path, "must be a number");
        return null;
    }

    /// <summary>
    /// Reads a boolean as YAML 1.2 spells it (<c>true</c>, <c>True</c>, <c>TRUE</c>, <c>false</c>, …); reports "must be
    /// true or false" for anything else, including YAML 1.1's <c>yes</c>/<c>no</c>, which mean different things to different tools.
    /// </summary>
    public bool? Bool(YamlNode node, string path)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        switch (text)
        {
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
        }

        Report(node, path, "must be true or false");
        return null;
    }

    /// <summary>Reads a duration with the document's own syntax.</summary>
    /// <param name="node">The value.</param>
    /// <param name="path">Its path.</param>
    /// <param name="parse">Parses the text; throws <see cref="FormatException"/> whose message says what is wrong (e.g. "'5x' is not a duration such as 10s").</param>
    public TimeSpan? Duration(YamlNode node, string path, Func<string, TimeSpan> parse)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        try
        {
            return parse(text);
        }
        catch (FormatException ex)
        {
            Report(node, path, ex.Message);
            return null;
        }
    }

    /// <summary>Reads one of <paramref name="allowed"/> (exact); reports "'x' is not one of a, b".</summary>
    public string? OneOf(YamlNode node, string path, params string[] allowed)
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        if (allowed.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        Report(node, path, $"'{text}' is not one of {string.Join(", ", allowed)}");
        return null;
    }

    /// <summary>
    /// Reads an enum value by its YAML spelling: the member's name in lower case, words joined by <c>-</c> or <c>_</c>
    /// (<c>stop-first</c> for <c>StopFirst</c>); reports "'x' is not one of …" with the spellings.
    /// </summary>
    public TEnum? Enum<TEnum>(YamlNode node, string path)
        where TEnum : struct, Enum
    {
        if (String(node, path) is not { } text)
        {
            return null;
        }

        var normalized = text.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        foreach (var value in System.Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), normalized, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        Report(node, path, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>().Select(Spell))}");
        return null;
    }

    /// <summary>Reads a list of single values; reports "must be a list", and "must be a single value" per bad item.</summary>
    public List<string> Strings(YamlNode node, string path)
    {
        if (node is YamlSequenceNode)
        {
            return [.. Items(node, path).Select(i => String(i.Node, i.Path) ?? string.Empty)];
        }

        Report(node, path, "must be a list");
        return [];
    }

    /// <summary>Reads a mapping of single values into <paramref name="target"/> (later keys win).</summary>
    public Dictionary<string, string> StringMap(YamlNode node, string path, Dictionary<string, string>? target = null)
    {
        target ??= new(StringComparer.Ordinal);
        foreach (var entry in Entries(node, path))
        {
            target[entry.Key] = String(entry.Value, entry.Path) ?? string.Empty;
        }

        return target;
    }

    private static string Spell(string name) => KebabBoundary().Replace(name, "$1-$2").ToLowerInvariant();

    private static void CheckKeys(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode scalar)
                    {
                        throw Syntax(path, "every key must be a plain value", key.Start);
                    }

                    CheckKeys(value, Child(path, scalar.Value ?? string.Empty));
                }

                break;
            case YamlSequenceNode seq:
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    CheckKeys(seq.Children[i], Item(path, i));
                }

                break;
        }
    }

    private static YamlReadException Syntax(string path, string message, Mark at) =>
        new(new YamlProblem(path, message, (int)at.Line, (int)at.Column), isSyntaxError: true);

    // YamlDotNet prefixes its messages with both marks, "(Line: 2, Col: 8, Idx: 17) - (Line: 2, Col: 9, Idx: 18): ";
    // the problem carries the position already.
    private static string Reason(YamlException ex) => MarkPrefix().Replace(ex.Message, string.Empty);

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex KebabBoundary();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex CoreInt();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex CoreFloat();
}
