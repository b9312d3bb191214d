using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Kubernetes.Manifests;

/// <summary>
/// Reads a multi-document YAML manifest (<c>kubectl apply -f</c>'s input) into JSON objects, keeping the line and
/// column of every field so that both our checks and the API server's field errors point into the text.
/// </summary>
public static partial class ManifestParser
{
    /// <summary>Parses <paramref name="yaml"/>; empty documents are skipped, as kubectl does.</summary>
    /// <exception cref="ManifestException">A YAML error or an object without <c>apiVersion</c>, <c>kind</c> or a valid <c>metadata.name</c>.</exception>
    public static IReadOnlyList<ManifestObject> Parse(string yaml)
    {
        IReadOnlyList<YamlNode> documents;
        try
        {
            documents = YamlReader.ParseDocuments(yaml);
        }
        catch (YamlReadException ex)
        {
            // Not YAML (no path), or a key that is not a plain value (the path of its mapping).
            var p = ex.Problem;
            var problem = p.Path.Length == 0 ? $"not valid YAML: {p.Message}" : p.Message;
            throw new ManifestException(DocumentAt(yaml, p.Line), p.Line, p.Column, p.Path.Length == 0 ? null : p.Path, problem);
        }

        var objects = new List<ManifestObject>();
        var number = 0;
        foreach (var root in documents)
        {
            number++;
            var shape = YamlReader.ShapeOf(root);
            if (shape == YamlShape.Empty || (shape == YamlShape.Scalar && YamlReader.TextOf(root) is ""))
            {
                continue;
            }

            var positions = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
            if (shape != YamlShape.Mapping)
            {
                throw Error(number, root, null, "a manifest document must be a mapping (a Kubernetes object)");
            }

            JsonObject body;
            try
            {
                body = (JsonObject)Convert(new YamlReader(throwOnProblem: true), root, string.Empty, positions, number)!;
            }
            catch (YamlReadException ex)
            {
                var p = ex.Problem;
                throw new ManifestException(number, p.Line, p.Column, p.Path.Length == 0 ? null : p.Path, p.Message);
            }

            Require(body, "apiVersion", root, number);
            Require(body, "kind", root, number);
            var metadataNode = Child(root, "metadata");
            if (YamlReader.ShapeOf(metadataNode) != YamlShape.Mapping)
            {
                throw metadataNode is null
                    ? Error(number, root, "metadata", "is required")
                    : At(number, positions["metadata"], "metadata", "must be a mapping");
            }

            var metadata = metadataNode!;
            var name = Child(metadata, "name");
            if (YamlReader.TextOf(name) is not { Length: > 0 } nameText)
            {
                throw At(number, positions.GetValueOrDefault("metadata.name", positions["metadata"]), "metadata.name", "is required (kubectl apply needs a name; generateName is not supported)");
            }

            if (nameText.Length > 253 || !NameRegex().IsMatch(nameText))
            {
                throw Error(number, name!, "metadata.name", $"'{nameText}' is not a valid name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters");
            }

            if (Child(metadata, "namespace") is { } ns && (YamlReader.TextOf(ns) is not { } nsText || nsText.Length > 63 || !LabelRegex().IsMatch(nsText)))
            {
                throw Error(number, ns, "metadata.namespace", "is not a valid namespace name: lowercase letters, digits and '-', at most 63 characters");
            }

            objects.Add(new ManifestObject(number, YamlReader.LineOf(root), body, positions));
        }

        return objects;
    }

    private static void Require(JsonObject body, string field, YamlNode root, int number)
    {
        if (body[field] is not JsonValue v || !v.TryGetValue<string>(out var text) || text.Length == 0)
        {
            throw body.ContainsKey(field) ? Error(number, Child(root, field)!, field, "must be a non-empty string") : Error(number, root, field, "is required");
        }
    }

    private static YamlNode? Child(YamlNode node, string key) => YamlReader.Find(node, key);

    private static ManifestException At(int document, (int Line, int Column) at, string field, string problem) =>
        new(document, at.Line, at.Column, field, problem);

    private static ManifestException Error(int document, YamlNode at, string? field, string problem) =>
        new(document, YamlReader.LineOf(at), YamlReader.ColumnOf(at), field, problem);

    /// <summary>
    /// Converts a document to JSON through the shared <see cref="YamlReader"/> (keys and items with their paths, values by
    /// YAML 1.2's core schema), recording where each key and item is.
    /// </summary>
    private static JsonNode? Convert(YamlReader reader, YamlNode node, string path, Dictionary<string, (int, int)> positions, int document)
    {
        switch (YamlReader.ShapeOf(node))
        {
            case YamlShape.Mapping:
                var obj = new JsonObject();
                foreach (var entry in reader.Entries(node, path))
                {
                    if (YamlReader.TextOf(entry.KeyNode) is null)
                    {
                        throw Error(document, entry.KeyNode!, path.Length == 0 ? null : path, "keys must be plain strings");
                    }

                    positions[entry.Path] = (YamlReader.LineOf(entry.KeyNode), YamlReader.ColumnOf(entry.KeyNode));
                    obj[entry.Key] = Convert(reader, entry.Value, entry.Path, positions, document);
                }

                return obj;
            case YamlShape.List:
                var array = new JsonArray();
                foreach (var (item, itemPath) in reader.Items(node, path))
                {
                    positions[itemPath] = (YamlReader.LineOf(item), YamlReader.ColumnOf(item));
                    array.Add(Convert(reader, item, itemPath, positions, document));
                }

                return array;
            case YamlShape.Scalar or YamlShape.Empty:
                return YamlReader.ToJson(node);
            default:
                throw Error(document, node, path.Length == 0 ? null : path, "aliases are not supported");
        }
    }

    private static int DocumentAt(string yaml, int line)
    {
        // Documents are counted by their '---' separators before the error's line; a leading one opens document 1.
        var lines = yaml.Split('\n');
        var separators = 0;
        var seenContent = false;
        var leading = false;
        for (var i = 0; i < Math.Min(line - 1, lines.Length); i++)
        {
            var text = lines[i].TrimEnd('\r');
            if (text == "---" || text.StartsWith("--- ", StringComparison.Ordinal))
            {
                if (!seenContent && separators == 0)
                {
                    leading = true;
                }

                separators++;
            }
            else if (text.Trim().Length > 0 && !text.TrimStart().StartsWith('#'))
            {
                seenContent = true;
            }
        }

        return Math.Max(1, leading ? separators : separators + 1);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabelRegex();
}
